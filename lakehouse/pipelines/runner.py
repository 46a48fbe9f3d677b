"""The local runner: load, discover, validate, then run each dataset's flows in order.

One update (``run(spec)``):

1. load the source files (:mod:`.loader`), call each query function once against a
   discovering session (:mod:`.resolve`) to learn what it reads;
2. validate the graph (:mod:`.graph`): missing inputs, cycles, duplicate names, repeated
   expectation names — before anything is written;
3. run the datasets in dependency order on the caller's session (the shared engine):

   * materialized view (``@dp.materialized_view``, or ``@dp.table`` over a batch query):
     recomputed and overwritten (one Delta commit);
   * streaming table (``@dp.table`` over a streaming query, ``create_streaming_table`` +
     flows): each flow is a ``trigger(availableNow=True)`` stream with its checkpoint under
     ``<storage>/checkpoints/<dataset>/<flow>``, so an update processes only new data;
     ``append_flow(once=True)`` appends its batch query once (again after a full refresh);
   * AUTO CDC flow: the source's new rows (staged by a checkpointed stream) through
     :func:`lakehouse.cdc.apply_changes`;
   * temporary view: computed where it is read.

4. write the event log (:mod:`.event_log`) and the table lineage (:mod:`.lineage`); the
   session is never stopped.

Full refresh drops the selected tables, their checkpoints and AUTO CDC state first (:mod:`.refresh`).

This module keeps the orchestration only; each concept has its module: :mod:`.dataflow` (load
the sources, resolve the graph: the seam where a new front end plugs in), :mod:`.scheduler`
(the update loop), :mod:`.flows` (one dataset's flows), :mod:`.writers` (streaming table,
materialized view, view), :mod:`.auto_cdc` (CDC staging), :mod:`.metrics` (observed-metric
rows), :mod:`.lineage`, :mod:`.results` (``UpdateResult``, ``DatasetResult``).

Example:
    >>> from lakehouse.pipelines import run                          # doctest: +SKIP
    >>> run("lakehouse/c360/pipelines/spark-pipeline.yml").state      # doctest: +SKIP
    'COMPLETED'
"""

from __future__ import annotations

import time
import uuid

from .api import PIPELINE_SESSION
from .dataflow import DataflowGraph, build_graph
from .event_log import EventLog, event_log_path
from .lineage import record_lineage
from .refresh import full_refresh as drop_for_full_refresh
from .refresh import selection
from .results import DatasetResult, UpdateResult
from .scheduler import run_all
from .spec import load_spec, pipeline_conf, pipeline_id


def dry_run(spec, *, spark=None, quiet: bool = False) -> UpdateResult:
    """Load and validate the pipeline without writing anything (``lakehouse pipelines dry-run``).

    Raises:
        PipelineDefinitionError, PipelineGraphError, PipelineSpecError: what is wrong, with file and line.
    """
    return run(spec, spark=spark, quiet=quiet, _dry=True)


def run(spec, *, full_refresh=False, refresh=None, spark=None, quiet: bool = False, _dry: bool = False) -> UpdateResult:
    """Run one update of the pipeline described by ``spec`` on the shared engine.

    Args:
        spec: the ``spark-pipeline.yml`` (a path, its folder, or a loaded ``PipelineSpec``).
        full_refresh: True for every dataset, or a list of dataset names to drop and rebuild.
        refresh: a list of dataset names to update (the others are left as they are).
        spark: the session (default :func:`lakehouse.get_spark`); never stopped.
        quiet: no progress lines.

    Returns:
        An :class:`UpdateResult` (``state`` ``COMPLETED``).

    Raises:
        PipelineSpecError, PipelineDefinitionError, PipelineGraphError: found before anything runs.
        ExpectationFailedError: an ``expect_or_fail`` stopped the update (``.update`` holds the
            result; the event log records the failed update).
        FlowFailedError: a flow failed (Spark's message).

    Example:
        >>> run("spark-pipeline.yml", full_refresh=["orders"])       # doctest: +SKIP
    """
    from ..runtime.session import get_spark

    spec = load_spec(spec)
    spark = spark or get_spark()
    say = (lambda *a: None) if quiet else (lambda text: print(text, flush=True))
    with _conf(spark, pipeline_conf(spec)):  # pipeline files read it with spark.conf.get
        return _update(spec, spark, full_refresh, refresh, say, _dry)


def _update(spec, spark, full_refresh, refresh, say, dry: bool) -> UpdateResult:
    started = time.monotonic()
    graph = build_graph(spec, spark)
    selected = selection(graph, full_refresh, refresh)
    update_id = str(uuid.uuid4())
    if dry:
        say(f"dry run of pipeline {spec.name!r}: {len(graph.order)} datasets, graph valid")
        for name in graph.order:
            ds = graph.registry.datasets[name.lower()]
            ins = graph.reads(name)
            say(f"  {graph.kind(ds)}: {name}" + (f"  <- {', '.join(ins)}" if ins else ""))
        return UpdateResult(spec.name, update_id, "DRY_RUN", order=tuple(graph.order), flows=graph.flows(),
                            kinds=graph.kinds())

    log = EventLog(pipeline_id=pipeline_id(spec), pipeline_name=spec.name, update_id=update_id)
    full = sorted(selected) if full_refresh is True else sorted(n.lower() for n in (full_refresh or []))
    log.add("create_update", f"Update {update_id[:6]} started by API_CALL.",
            {"create_update": {"cause": "API_CALL", "full_refresh": full_refresh is True,
                               "full_refresh_selection": [] if full_refresh is True else full,
                               "refresh_selection": sorted(refresh or []),
                               "config": dict(spec.configuration)}})
    log.add("update_progress", f"Update {update_id[:6]} is INITIALIZING.", {"update_progress": {"state": "INITIALIZING"}})
    for flow in graph.registry.flows.values():
        log.add("flow_definition", f"Flow '{flow.name}' is defined as {graph.flow_type(flow)}.",
                {"flow_definition": {"output_dataset": flow.target, "input_datasets": sorted(graph.inputs[flow.name]),
                                     "flow_type": graph.flow_type(flow), "source": flow.source}},
                flow=flow.name, dataset=flow.target)
    views = sum(d.kind == "temporary_view" for d in graph.registry.datasets.values())
    say(f"pipeline {spec.name!r} update {update_id[:8]}: {len(selected)} of {len(graph.order) - views} tables"
        f"{' (full refresh)' if full else ''}"
        f"{f' (+{views} temporary view' + ('s' if views > 1 else '') + ', computed where read)' if views else ''}"
        f" -> {spec.catalog}.{spec.schema}")
    results: dict = {}
    for schema in sorted({graph.table_name(d).rsplit(".", 1)[0] for d in graph.registry.datasets.values()}
                         | {f"{spec.catalog}.{spec.schema}"}):
        spark.sql(f"CREATE SCHEMA IF NOT EXISTS {schema}")
    if full:
        drop_for_full_refresh(spark, graph, [n for n in full if n in selected])
    log.add("update_progress", f"Update {update_id[:6]} is RUNNING.", {"update_progress": {"state": "RUNNING"}})
    graph.session._mode = "run"
    token = PIPELINE_SESSION.set(graph.session)
    try:
        error = run_all(spark, graph, selected, results, log, say, update_id)
    finally:
        PIPELINE_SESSION.reset(token)
    state = "FAILED" if error else "COMPLETED"
    log.add("update_progress", f"Update {update_id[:6]} is {state}.", {"update_progress": {"state": state}},
            level="ERROR" if error else "INFO", error=error)
    log.flush(spark, spec.storage)
    record_lineage(graph, results)
    result = UpdateResult(spec.name, update_id, state, results, tuple(graph.order), event_log_path(spec.storage),
                          str(error).splitlines()[0] if error else None, graph.flows(), graph.kinds())
    say(f"update {state} in {time.monotonic() - started:.1f} s; event log: {result.event_log}")
    if error:
        error.update = result
        raise error
    return result


class _conf:
    """Set the spec's ``configuration`` on the session for the update, then restore it."""

    def __init__(self, spark, values: dict):
        self.spark, self.values, self.old = spark, values, {}

    def __enter__(self):
        for k, v in self.values.items():
            self.old[k] = self.spark.conf.get(k, None)
            self.spark.conf.set(k, v)

    def __exit__(self, *exc):
        for k, v in self.old.items():
            (self.spark.conf.unset(k) if v is None else self.spark.conf.set(k, v))


__all__ = ["DataflowGraph", "DatasetResult", "UpdateResult", "dry_run", "pipeline_id", "run"]
