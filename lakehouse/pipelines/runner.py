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

4. write the event log (:mod:`.event_log`); the session is never stopped.

Full refresh drops the selected tables, their checkpoints and AUTO CDC state first.

Example:
    >>> from lakehouse.pipelines import run                          # doctest: +SKIP
    >>> run("lakehouse/c360/pipelines/spark-pipeline.yml").state      # doctest: +SKIP
    'COMPLETED'
"""

from __future__ import annotations

import functools
import hashlib
import os
import shutil
import time
import uuid
from dataclasses import dataclass, field

from .api import PIPELINE_SESSION
from .errors import ExpectationFailedError, FlowFailedError, PipelineError, PipelineGraphError
from .event_log import EventLog, event_log_path
from .expectations import (drop_filter, fail_guard, failure_of, metric_columns, metric_names, quality_report)
from .failure_text import underlying
from .graph import order, validate
from .loader import load_files
from .resolve import PipelineSession, ident_parts, qualify, table_name
from .spec import load_spec, pipeline_conf


@dataclass(frozen=True)
class DatasetResult:
    """What one update did to one dataset."""

    name: str
    kind: str  # "streaming table", "materialized view", "temporary view"
    status: str  # COMPLETED, FAILED, SKIPPED, EXCLUDED
    num_output_rows: int = 0
    dropped_records: int = 0
    expectations: tuple = ()  # ({name, dataset, passed_records, failed_records}, ...)
    seconds: float = 0.0


@dataclass(frozen=True)
class UpdateResult:
    """One pipeline update: its id, final state, per-dataset results and the event log's place."""

    pipeline_name: str
    update_id: str
    state: str  # COMPLETED or FAILED (or DRY_RUN)
    datasets: dict = field(default_factory=dict)  # name -> DatasetResult
    order: tuple = ()
    event_log: str = ""
    error: str | None = None
    flows: tuple = ()  # ({name, target, type, inputs, cdc}, ...): the graph as the runner resolved it
    kinds: dict = field(default_factory=dict)  # dataset name -> "streaming table" | "materialized view" | ...

    def rows(self) -> dict:
        """``{dataset: num_output_rows}`` of the published datasets."""
        return {n: d.num_output_rows for n, d in self.datasets.items() if d.kind != "temporary view"}


@dataclass
class _Graph:
    registry: object
    inputs: dict  # flow name -> set of dataset keys
    streaming: dict  # flow name -> bool
    session: PipelineSession
    order: list


def pipeline_id(spec) -> str:
    """A stable id for the pipeline (its name and storage)."""
    return str(uuid.UUID(hashlib.md5(f"{spec.name}|{spec.storage}".encode()).hexdigest()))


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
    graph = _build_graph(spec, spark)
    selected = _selection(graph, full_refresh, refresh)
    update_id = str(uuid.uuid4())
    if dry:
        say(f"dry run of pipeline {spec.name!r}: {len(graph.order)} datasets, graph valid")
        for name in graph.order:
            ds = graph.registry.datasets[name.lower()]
            ins = sorted(set().union(*[graph.inputs[f.name] for f in graph.registry.flows_into(name)] or [set()]))
            say(f"  {_kind(ds, graph)}: {name}" + (f"  <- {', '.join(ins)}" if ins else ""))
        return UpdateResult(spec.name, update_id, "DRY_RUN", order=tuple(graph.order), flows=_flows(graph),
                            kinds=_kinds(graph))

    log = EventLog(pipeline_id=pipeline_id(spec), pipeline_name=spec.name, update_id=update_id)
    full = sorted(selected) if full_refresh is True else sorted(n.lower() for n in (full_refresh or []))
    log.add("create_update", f"Update {update_id[:6]} started by API_CALL.",
            {"create_update": {"cause": "API_CALL", "full_refresh": full_refresh is True,
                               "full_refresh_selection": [] if full_refresh is True else full,
                               "refresh_selection": sorted(refresh or []),
                               "config": dict(spec.configuration)}})
    log.add("update_progress", f"Update {update_id[:6]} is INITIALIZING.", {"update_progress": {"state": "INITIALIZING"}})
    for flow in graph.registry.flows.values():
        log.add("flow_definition", f"Flow '{flow.name}' is defined as {_flow_type(flow, graph)}.",
                {"flow_definition": {"output_dataset": flow.target, "input_datasets": sorted(graph.inputs[flow.name]),
                                     "flow_type": _flow_type(flow, graph), "source": flow.source}},
                flow=flow.name, dataset=flow.target)
    say(f"pipeline {spec.name!r} update {update_id[:8]}: {len(selected)} of {len(graph.order)} datasets"
        f"{' (full refresh)' if full else ''} -> {spec.catalog}.{spec.schema}")
    results: dict = {}
    for schema in sorted({_full_name(spec, d).rsplit(".", 1)[0] for d in graph.registry.datasets.values()}
                         | {f"{spec.catalog}.{spec.schema}"}):
        spark.sql(f"CREATE SCHEMA IF NOT EXISTS {schema}")
    if full:
        _full_refresh(spark, spec, graph, [n for n in full if n in selected])
    log.add("update_progress", f"Update {update_id[:6]} is RUNNING.", {"update_progress": {"state": "RUNNING"}})
    graph.session._mode = "run"
    token = PIPELINE_SESSION.set(graph.session)
    try:
        error = _run_all(spark, spec, graph, selected, results, log, say, update_id)
    finally:
        PIPELINE_SESSION.reset(token)
    state = "FAILED" if error else "COMPLETED"
    log.add("update_progress", f"Update {update_id[:6]} is {state}.", {"update_progress": {"state": state}},
            level="ERROR" if error else "INFO", error=error)
    log.flush(spark, spec.storage)
    _record_lineage(spec, graph, results)
    result = UpdateResult(spec.name, update_id, state, results, tuple(graph.order), event_log_path(spec.storage),
                          str(error).splitlines()[0] if error else None, _flows(graph), _kinds(graph))
    say(f"update {state} in {time.monotonic() - started:.1f} s; event log: {result.event_log}")
    if error:
        error.update = result
        raise error
    return result


def _record_lineage(spec, graph: _Graph, results: dict) -> None:
    """Table lineage of each flow that ran (entity ``PIPELINE``), for ``system.access.table_lineage``.

    Databricks records pipeline lineage in the lineage system tables
    (https://docs.databricks.com/aws/en/admin/system-tables/lineage); see :mod:`lakehouse.governance`.
    """
    from ..governance.lineage import lineage_rows
    from ..governance.principals import current_principal
    from ..governance.systables import append

    datasets = graph.registry.datasets

    def tables_read(flow, seen=()) -> list:  # a temporary view stands for what it reads
        found = []
        for d in (datasets[k.lower()] for k in sorted(graph.inputs[flow.name]) if k.lower() in datasets):
            if d.kind != "temporary_view":
                found.append(d)
            elif d.name not in seen:
                found += [t for f in graph.registry.flows_into(d.name) for t in tables_read(f, (*seen, d.name))]
        return found

    for flow in graph.registry.flows.values():
        target = datasets.get(flow.target.lower())
        done = getattr(results.get(target.name), "status", None) == "COMPLETED" if target else False
        if not done or target.kind == "temporary_view":
            continue
        sources = [(_full_name(spec, d), "TABLE") for d in tables_read(flow)]
        tables, _ = lineage_rows(sources, _full_name(spec, target), "TABLE", [], current_principal().email,
                                 entity_type="PIPELINE", entity_id=pipeline_id(spec))
        append("table_lineage", tables)


# --- the graph ---------------------------------------------------------------------------------
def _flows(graph: _Graph) -> tuple:
    return tuple({"name": f.name, "target": graph.registry.datasets[f.target.lower()].name,
                  "type": _flow_type(f, graph),
                  "inputs": tuple(sorted(graph.registry.datasets[k].name for k in graph.inputs[f.name])),
                  "cdc": dict(f.cdc) if f.cdc is not None else None} for f in graph.registry.flows.values())


def _kinds(graph: _Graph) -> dict:
    return {d.name: _kind(d, graph) for d in graph.registry.datasets.values()}


def _build_graph(spec, spark) -> _Graph:
    session = PipelineSession(spark, datasets={}, catalog=spec.catalog, schema=spec.schema, mode="discover")
    registry = load_files(spec.source_files(), spark=session, spec=spec)
    if not registry.datasets:
        raise PipelineGraphError(f"pipeline {spec.name!r} defines no dataset: its libraries match "
                                 f"{len(spec.source_files())} files.", fix=f"check libraries in {spec.path}.")
    session._datasets = registry.datasets
    session._views = {k: functools.partial(_view_frame, registry, k, session)
                      for k, d in registry.datasets.items() if d.kind == "temporary_view"}
    inputs, streaming = {}, {}
    for flow in registry.flows.values():
        session.reads = type(session.reads)()
        if flow.cdc is not None:
            key = session.dataset_of(flow.cdc_source)
            (session.reads.datasets.add(key) if key else session.reads.external.add(flow.cdc_source))
            session.reads.streaming = True
        else:
            token = PIPELINE_SESSION.set(session)
            try:
                flow.query()
            except PipelineError:
                raise
            except Exception as exc:
                if not session.reads.datasets:  # nothing learnt: report it with the file and line
                    raise PipelineGraphError(f"flow {flow.name!r} ({flow.source}) failed while its inputs were "
                                             f"resolved: {type(exc).__name__}: {underlying(exc)}") from exc
                # It read pipeline datasets, then looked at a placeholder's schema: those reads are its inputs.
            finally:
                PIPELINE_SESSION.reset(token)
        inputs[flow.name] = set(session.reads.datasets)
        streaming[flow.name] = session.reads.streaming
        _check_external(spark, flow, session.reads.external)
    validate(registry, inputs)
    graph = _Graph(registry, inputs, streaming, session, [])
    graph.order = order(registry, inputs)
    return graph


def _check_external(spark, flow, names) -> None:
    for name in sorted(names):
        if not spark.catalog.tableExists(name):
            raise PipelineGraphError(
                f"flow {flow.name!r} ({flow.source}) reads {name!r}: no dataset of this pipeline and no table "
                "has that name.", fix="define the dataset in a pipeline file, or fix the name.")


def _view_frame(registry, key, session):
    ds = registry.datasets[key]
    flow = registry.flows_into(key)[0]
    df = flow.query()
    return drop_filter(fail_guard(df, ds.name, ds.expectations), ds.expectations)


def _selection(graph: _Graph, full_refresh, refresh) -> set:
    names = {k for k, d in graph.registry.datasets.items() if d.kind != "temporary_view"}
    chosen = None
    if isinstance(full_refresh, (list, tuple, set)) or refresh:
        chosen = {n.lower() for n in (list(full_refresh) if isinstance(full_refresh, (list, tuple, set)) else [])}
        chosen |= {n.lower() for n in (refresh or [])}
        unknown = sorted(chosen - names)
        if unknown:
            raise PipelineGraphError(f"cannot refresh {', '.join(unknown)}: no such table in this pipeline.",
                                     fix=f"choose among {', '.join(sorted(names))}.")
    return chosen if chosen is not None else names


def _is_streaming_table(ds, graph: _Graph) -> bool:
    if ds.streaming:
        return True
    return ds.kind == "table" and any(graph.streaming[f.name] for f in graph.registry.flows_into(ds.name))


def _kind(ds, graph: _Graph) -> str:
    if ds.kind == "temporary_view":
        return "temporary view"
    return "streaming table" if _is_streaming_table(ds, graph) else "materialized view"


def _flow_type(flow, graph: _Graph) -> str:
    if flow.cdc is not None:
        return "AUTO_CDC"
    if flow.once:
        return "APPEND_ONCE"
    return "STREAMING" if graph.streaming[flow.name] else "COMPLETE"


def _full_name(spec, ds) -> str:
    return table_name(ds, spec.catalog, spec.schema)


def _checkpoint(spec, ds, flow) -> str:
    return os.path.join(spec.storage, "checkpoints", ds.name, flow.name)


def _full_refresh(spark, spec, graph: _Graph, names) -> None:
    for key in names:
        ds = graph.registry.datasets[key]
        spark.sql(f"DROP TABLE IF EXISTS {_full_name(spec, ds)}")
        if any(f.cdc is not None for f in graph.registry.flows_into(key)):
            _drop_cdc_state(spark, spec, ds)
        shutil.rmtree(os.path.join(spec.storage, "checkpoints", ds.name), ignore_errors=True)
        shutil.rmtree(os.path.join(spec.storage, "staging", ds.name), ignore_errors=True)


def _drop_cdc_state(spark, spec, ds) -> None:
    from ..cdc.tables import state_parts
    from ..runtime.names import quote_name

    parts = ident_parts(_full_name(spec, ds))
    spark.sql(f"DROP TABLE IF EXISTS {quote_name(state_parts(parts))}")


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


# --- running the datasets ------------------------------------------------------------------------
PARALLEL_DATASETS = 4  # datasets whose inputs are ready run at the same time (Spark Connect is thread-safe)


def _run_all(spark, spec, graph: _Graph, selected: set, results: dict, log, say, update_id: str):
    """Run the selected datasets, each as soon as the datasets it reads are done; return the first error."""
    import contextvars
    from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait

    from .graph import dataset_inputs

    datasets = graph.registry.datasets
    direct = dataset_inputs(graph.registry, graph.inputs)

    def needs(key: str, seen=()) -> set:  # a temporary view stands for what it reads
        out = set()
        for dep in direct[key]:
            if datasets[dep].kind == "temporary_view" and dep not in seen:
                out |= needs(dep, (*seen, dep))
            elif dep != key:
                out.add(dep)
        return out

    done, pending, running, error = set(), [], {}, None
    for name in graph.order:
        key, ds = name.lower(), datasets[name.lower()]
        if ds.kind == "temporary_view":
            continue
        if key not in selected:
            results[name] = DatasetResult(name, _kind(ds, graph), "EXCLUDED")
            done.add(key)
        else:
            pending.append(key)
    with ThreadPoolExecutor(PARALLEL_DATASETS) as pool:
        while (pending and error is None) or running:
            for key in [k for k in pending if needs(k) <= done] if error is None else []:
                pending.remove(key)
                ctx = contextvars.copy_context()  # the pipeline session travels to the thread
                running[pool.submit(ctx.run, _run_dataset, spark, spec, graph, datasets[key], log, say,
                                    update_id)] = key
            if not running:
                break
            finished, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in finished:
                key = running.pop(future)
                try:
                    results[datasets[key].name] = future.result()
                    done.add(key)
                except PipelineError as exc:
                    error = error or exc
    return error


# --- running a dataset ---------------------------------------------------------------------------
def _run_dataset(spark, spec, graph: _Graph, ds, log: EventLog, say, update_id: str) -> DatasetResult:
    kind = _kind(ds, graph)
    start = time.monotonic()
    rows = dropped = 0
    quality: list = []
    for flow in graph.registry.flows_into(ds.name):
        log.add("flow_progress", f"Flow '{flow.name}' is RUNNING.", {"flow_progress": {"status": "RUNNING"}},
                flow=flow.name, dataset=ds.name)
        try:
            metrics = _run_flow(spark, spec, graph, ds, flow, kind, update_id)
        except Exception as exc:  # noqa: BLE001 (every failure is reported, then raised as ours)
            error = _as_pipeline_error(exc, ds, flow)
            log.add("flow_progress", f"Flow '{flow.name}' has FAILED: {str(error).splitlines()[0]}",
                    {"flow_progress": {"status": "FAILED"}}, level="ERROR", flow=flow.name, dataset=ds.name,
                    error=error)
            say(f"  FAILED  {ds.name} ({kind}): {str(error).splitlines()[0]}")
            raise error from exc
        if metrics is None:
            log.add("flow_progress", f"Flow '{flow.name}' is SKIPPED (append once: done already).",
                    {"flow_progress": {"status": "SKIPPED"}}, flow=flow.name, dataset=ds.name)
            continue
        report = quality_report(ds.expectations, ds.name, metrics) if flow.cdc is None else None
        out = int(metrics.get("__rows") or 0) - (report["dropped_records"] if report else 0)
        details = {"status": "COMPLETED", "metrics": {"num_output_rows": out}}
        if report and ds.expectations:
            details["data_quality"] = report
            quality = _merge_quality(quality, report["expectations"])
            dropped += report["dropped_records"]
        rows += out
        log.add("flow_progress", f"Flow '{flow.name}' has COMPLETED.", {"flow_progress": details}, level="METRICS",
                flow=flow.name, dataset=ds.name)
    seconds = time.monotonic() - start
    failed = sum(e["failed_records"] for e in quality)
    say(f"  {ds.name:<32} {kind:<18} {rows:>9,} rows  {seconds:5.1f} s"
        + (f"  dropped {dropped:,}" if dropped else "") + (f"  failed expectations {failed:,}" if failed else ""))
    return DatasetResult(ds.name, kind, "COMPLETED", rows, dropped, tuple(quality), round(seconds, 2))


def _merge_quality(total: list, new: list) -> list:
    by_name = {e["name"]: dict(e) for e in total}
    for e in new:
        if e["name"] in by_name:
            by_name[e["name"]]["passed_records"] += e["passed_records"]
            by_name[e["name"]]["failed_records"] += e["failed_records"]
        else:
            by_name[e["name"]] = dict(e)
    return list(by_name.values())


def _as_pipeline_error(exc: BaseException, ds, flow) -> PipelineError:
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


def _run_flow(spark, spec, graph: _Graph, ds, flow, kind: str, update_id: str):
    """Run one flow; return its observed metrics (``__rows``, ``__failed_i``, ``__dropped``) or None if skipped."""
    target = _full_name(spec, ds)
    if flow.cdc is not None:
        return _run_cdc(spark, spec, graph, ds, flow, target)
    if flow.once:
        marker = os.path.join(_checkpoint(spec, ds, flow), "_once_done")
        if os.path.exists(marker):
            return None
        metrics = _write_batch(spark, graph, ds, flow, target, mode="append")
        os.makedirs(os.path.dirname(marker), exist_ok=True)
        open(marker, "w").write(update_id)
        return metrics
    if kind == "streaming table":
        return _write_stream(spark, spec, graph, ds, flow, target, update_id)
    return _write_batch(spark, graph, ds, flow, target, mode="overwrite")


def _guarded(ds, df):
    return fail_guard(df, ds.name, ds.expectations)


def _write_batch(spark, graph, ds, flow, target: str, *, mode: str) -> dict:
    from pyspark.sql import functions as F

    df = flow.query()
    if df is None or not hasattr(df, "write"):
        raise FlowFailedError(f"the query function of {flow.name!r} ({flow.source}) returned "
                              f"{type(df).__name__}, not a DataFrame.", fix="return the DataFrame.")
    if df.isStreaming:
        raise FlowFailedError(f"{ds.name!r} ({flow.source}) is a materialized view but its query is streaming.",
                              fix="use @dp.table for a streaming table.")
    df = _guarded(ds, df)
    if ds.expectations:
        df = df.localCheckpoint()  # evaluate once: the counts and the write see the same rows
        stats = df.agg(*metric_columns(ds.expectations)).first().asDict()
    else:
        stats = None
    writer = drop_filter(df, ds.expectations).write.format("delta").mode(mode)
    if mode == "overwrite":
        writer = writer.option("overwriteSchema", "true")
    else:
        writer = writer.option("mergeSchema", "true")
    if ds.partition_cols:
        writer = writer.partitionBy(*ds.partition_cols)
    if ds.comment and mode == "overwrite":
        writer = writer.option("description", ds.comment)
    writer.saveAsTable(target)
    if ds.table_properties:
        props = ", ".join(f"'{k}' = '{v}'" for k, v in ds.table_properties)
        spark.sql(f"ALTER TABLE {target} SET TBLPROPERTIES ({props})")
    if stats is None:
        row = spark.sql(f"DESCRIBE HISTORY {target} LIMIT 1").select(
            F.col("operationMetrics")["numOutputRows"].alias("n")).first()
        stats = {"__rows": int(row.n or 0) if row else 0, "__dropped": 0}
    return stats


def _write_stream(spark, spec, graph, ds, flow, target: str, update_id: str) -> dict:
    df = flow.query()
    if df is None or not hasattr(df, "writeStream"):
        raise FlowFailedError(f"the query function of {flow.name!r} ({flow.source}) returned "
                              f"{type(df).__name__}, not a DataFrame.", fix="return the DataFrame.")
    if not df.isStreaming:
        raise FlowFailedError(f"flow {flow.name!r} into the streaming table {ds.name!r} ({flow.source}) has a "
                              "batch query.", fix="read with spark.readStream, or use append_flow(once=True).")
    observed = f"lhx_{abs(hash((update_id, flow.name))):x}"
    df = _guarded(ds, df).observe(observed, *metric_columns(ds.expectations))
    query = (drop_filter(df, ds.expectations).writeStream.format("delta")
             .option("checkpointLocation", _checkpoint(spec, ds, flow)).option("mergeSchema", "true")
             .trigger(availableNow=True).queryName(f"pipeline_{spec.name}_{flow.name}"[:200]).toTable(target))
    query.awaitTermination()
    return _sum_observed(query.recentProgress, observed, metric_names(ds.expectations))


def _sum_observed(progress, name: str, names) -> dict:
    totals = {n: 0 for n in names}
    for p in progress:
        found = (getattr(p, "observedMetrics", None) or {}).get(name)
        if found is None:
            continue
        values = _row_values(found)
        for n in names:
            totals[n] += int(values.get(n) or 0)
    return totals


def _row_values(row) -> dict:
    """A row of observed metrics as a dict (Connect gives ``Row(values=[...], schema={...})``)."""
    data = row.asDict() if hasattr(row, "asDict") else dict(row)
    if set(data) == {"values", "schema"}:
        schema = data["schema"]
        fields = schema.get("fields", []) if isinstance(schema, dict) else []
        return {f["name"]: v for f, v in zip(fields, data["values"])}
    return data


def _run_cdc(spark, spec, graph, ds, flow, target: str) -> dict:
    """An AUTO CDC flow: the source's new rows are staged (a checkpointed stream into a Delta
    folder under ``storage``), then applied with :func:`lakehouse.cdc.apply_changes` on the
    caller's session, then the stage is emptied. A failure between the two leaves the rows staged:
    the next update applies them again, which ``apply_changes`` makes converge."""
    from ..cdc import apply_changes

    stage = os.path.join(spec.storage, "staging", ds.name, flow.name)
    source = graph.session.readStream.table(flow.cdc_source)
    query = (source.writeStream.format("delta").option("checkpointLocation", _checkpoint(spec, ds, flow))
             .option("mergeSchema", "true").trigger(availableNow=True)
             .queryName(f"pipeline_{spec.name}_{flow.name}"[:200]).start(stage))
    query.awaitTermination()
    pending = os.path.join(_checkpoint(spec, ds, flow), "_staged_not_applied")
    new_rows = sum(p.numInputRows or 0 for p in query.recentProgress)
    if not new_rows and not os.path.exists(pending):  # nothing new, nothing left from a failed update
        return {"__rows": 0}
    open(pending, "w").close()
    staged = spark.read.format("delta").load(stage)
    rows = staged.count()
    if rows:
        apply_changes(target, staged, **dict(flow.cdc))
        spark.sql(f"DELETE FROM delta.`{stage}`")
    os.remove(pending)
    return {"__rows": rows}
