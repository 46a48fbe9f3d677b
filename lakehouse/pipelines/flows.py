"""Running one dataset: each of its flows through the writer of its kind, event log lines, the result.

A flow is dispatched by what it is (:meth:`DataflowGraph.flow_type`): AUTO CDC
(:func:`~lakehouse.pipelines.auto_cdc.run_cdc`), append once (a batch append, skipped once done
until a full refresh), a streaming table's stream or a materialized view's recompute
(:mod:`.writers`). Any failure is logged and raised as a :class:`PipelineError`: an
``expect_or_fail`` violation as :class:`ExpectationFailedError` (with the row), anything else as
:class:`FlowFailedError` with Spark's first line.

Example:
    >>> from lakehouse.pipelines.flows import run_dataset   # doctest: +SKIP
"""

from __future__ import annotations

import os
import time

from .auto_cdc import run_cdc
from .errors import ExpectationFailedError, FlowFailedError, PipelineError
from .expectations import failure_of, quality_report
from .failure_text import underlying
from .metrics import merge_quality
from .results import DatasetResult
from .writers import write_batch, write_stream


def run_dataset(spark, graph, ds, log, say, update_id: str):
    """Run every flow into ``ds`` in declaration order; return its :class:`DatasetResult`.

    Raises:
        PipelineError: a flow failed (logged first).
    """
    kind = graph.kind(ds)
    start = time.monotonic()
    rows = dropped = 0
    quality: list = []
    for flow in graph.registry.flows_into(ds.name):
        log.add("flow_progress", f"Flow '{flow.name}' is RUNNING.", {"flow_progress": {"status": "RUNNING"}},
                flow=flow.name, dataset=ds.name)
        try:
            metrics = run_flow(spark, graph, ds, flow, kind, update_id)
        except Exception as exc:  # noqa: BLE001 (every failure is reported, then raised as ours)
            error = as_pipeline_error(exc, ds, flow)
            log.add("flow_progress", f"Flow '{flow.name}' has FAILED: {str(error).splitlines()[0]}",
                    {"flow_progress": {"status": "FAILED"}}, level="ERROR", flow=flow.name, dataset=ds.name,
                    error=error)
            say(f"  FAILED  {ds.name} ({kind}): {str(error).splitlines()[0]}")
            raise error from exc
        if metrics is None:
            log.add("flow_progress", f"Flow '{flow.name}' is SKIPPED (append once: done already).",
                    {"flow_progress": {"status": "SKIPPED"}}, flow=flow.name, dataset=ds.name)
            continue
        views = metrics.pop("__views", [])  # expectations of the temporary views the flow read
        report = quality_report(ds.expectations, ds.name, metrics) if flow.cdc is None else None
        out = int(metrics.get("__rows") or 0) - (report["dropped_records"] if report else 0)
        details = {"status": "COMPLETED", "metrics": {"num_output_rows": out}}
        if report and ds.expectations:
            details["data_quality"] = report
            quality = merge_quality(quality, report["expectations"])
            dropped += report["dropped_records"]
        if views:
            details.setdefault("data_quality", {"dropped_records": 0, "expectations": []})["expectations"] += views
        rows += out
        log.add("flow_progress", f"Flow '{flow.name}' has COMPLETED.", {"flow_progress": details}, level="METRICS",
                flow=flow.name, dataset=ds.name)
    seconds = time.monotonic() - start
    failed = sum(e["failed_records"] for e in quality)
    say(f"  {ds.name:<32} {kind:<18} {rows:>9,} rows  {seconds:5.1f} s"
        + (f"  dropped {dropped:,}" if dropped else "") + (f"  failed expectations {failed:,}" if failed else ""))
    return DatasetResult(ds.name, kind, "COMPLETED", rows, dropped, tuple(quality), round(seconds, 2))


def run_flow(spark, graph, ds, flow, kind: str, update_id: str):
    """Run one flow; return its observed metrics (``__rows``, ``__failed_i``, ``__dropped``) or None if skipped."""
    target = graph.table_name(ds)
    if flow.cdc is not None:
        return run_cdc(spark, graph, ds, flow, target)
    if flow.once:
        marker = os.path.join(graph.checkpoint(ds, flow), "_once_done")
        if os.path.exists(marker):
            return None
        metrics = write_batch(spark, ds, flow, target, mode="append")
        os.makedirs(os.path.dirname(marker), exist_ok=True)
        open(marker, "w").write(update_id)
        return metrics
    if kind == "streaming table":
        return write_stream(ds, flow, target, checkpoint=graph.checkpoint(ds, flow),
                            query_name=f"pipeline_{graph.spec.name}_{flow.name}"[:200], update_id=update_id)
    return write_batch(spark, ds, flow, target, mode="overwrite")


def as_pipeline_error(exc: BaseException, ds, flow) -> PipelineError:
    """``exc`` as the pipeline error a learner reads: the failed expectation and row, or the flow's first line."""
    if isinstance(exc, PipelineError):
        return exc
    failed = failure_of(exc)
    if failed:
        name, dataset, row = failed
        return ExpectationFailedError(
            f"expectation {name!r} on dataset {dataset!r} failed for the row {row}; the update stopped "
            f"(flow {flow.name!r}: nothing of it was written).",
            expectation=name, dataset=dataset, row=row,
            fix="fix the data, or use expect_or_drop / expect if such rows may pass.")
    first = underlying(exc)  # the cause, not Spark's wrapper line ("... Traceback (most recent call last):")
    return FlowFailedError(f"flow {flow.name!r} into {ds.name!r} ({flow.source}) failed: {first}")
