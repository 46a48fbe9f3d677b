"""The writers of the three dataset kinds, with the dataset's expectations applied on the way.

* **materialized view** (:func:`write_batch`, ``mode="overwrite"``): recomputed and overwritten,
  one Delta commit; ``append_flow(once=True)`` uses it with ``mode="append"``;
* **streaming table** (:func:`write_stream`): a ``trigger(availableNow=True)`` stream with its own
  checkpoint, so an update processes only new data; counts come from ``observe``;
* **temporary view** (:func:`view_frame`): not written, computed where it is read.

Each returns the observed metrics of :mod:`.expectations` (``__rows``, ``__failed_i``,
``__dropped``). Databricks' dataset kinds: https://docs.databricks.com/aws/en/ldp/concepts.

Example:
    >>> from lakehouse.pipelines.writers import write_batch, write_stream   # doctest: +SKIP
"""

from __future__ import annotations

from .errors import FlowFailedError
from .expectations import drop_filter, fail_guard, metric_columns, metric_names
from .metrics import sum_observed
from .view_quality import counting, observe_view, view_reports


def view_frame(registry, key: str):
    """The DataFrame of the temporary view ``key`` with its expectations applied (a view is not written)."""
    ds = registry.datasets[key]
    flow = registry.flows_into(key)[0]
    df = flow.query()
    return drop_filter(observe_view(ds, fail_guard(df, ds.name, ds.expectations)), ds.expectations)


def _query_frame(ds, flow, needs: str):
    """The flow's DataFrame, or a FlowFailedError when the query function returned something else."""
    df = flow.query()
    if df is None or not hasattr(df, needs):
        raise FlowFailedError(f"the query function of {flow.name!r} ({flow.source}) returned "
                              f"{type(df).__name__}, not a DataFrame.", fix="return the DataFrame.")
    return df


def write_batch(spark, ds, flow, target: str, *, mode: str) -> dict:
    """Write the batch query of ``flow`` into ``target`` (``overwrite``: a materialized view;
    ``append``: an append-once flow); return its metrics (``__views``: the counts of the views it read)."""
    with counting() as views:
        stats = _write_batch(spark, ds, flow, target, mode=mode)
    return {**stats, "__views": view_reports(views)}


def _write_batch(spark, ds, flow, target: str, *, mode: str) -> dict:
    from pyspark.sql import functions as F

    df = _query_frame(ds, flow, "write")
    if df.isStreaming:
        raise FlowFailedError(f"{ds.name!r} ({flow.source}) is a materialized view but its query is streaming.",
                              fix="use @dp.table for a streaming table.")
    df = fail_guard(df, ds.name, ds.expectations)
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


def write_stream(ds, flow, target: str, *, checkpoint: str, query_name: str, update_id: str) -> dict:
    """Run the streaming query of ``flow`` into ``target`` once (``availableNow``); return its metrics
    (``__views``: the counts of the views it read)."""
    with counting() as views:
        return _write_stream(ds, flow, target, checkpoint=checkpoint, query_name=query_name, update_id=update_id,
                             views=views)


def _write_stream(ds, flow, target: str, *, checkpoint: str, query_name: str, update_id: str, views) -> dict:
    df = _query_frame(ds, flow, "writeStream")
    if not df.isStreaming:
        raise FlowFailedError(f"flow {flow.name!r} into the streaming table {ds.name!r} ({flow.source}) has a "
                              "batch query.", fix="read with spark.readStream, or use append_flow(once=True).")
    observed = f"lhx_{abs(hash((update_id, flow.name))):x}"
    df = fail_guard(df, ds.name, ds.expectations).observe(observed, *metric_columns(ds.expectations))
    query = (drop_filter(df, ds.expectations).writeStream.format("delta")
             .option("checkpointLocation", checkpoint).option("mergeSchema", "true")
             .trigger(availableNow=True).queryName(query_name).toTable(target))
    query.awaitTermination()
    return {**sum_observed(query.recentProgress, observed, metric_names(ds.expectations)),
            "__views": view_reports(views, query.recentProgress)}
