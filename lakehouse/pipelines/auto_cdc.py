"""AUTO CDC flows (``dp.create_auto_cdc_flow``): stage the source's new rows, apply them, empty the stage.

The source's new rows are staged by a checkpointed stream into a Delta folder under the
pipeline's ``storage`` (``staging/<dataset>/<flow>``), then applied with
:func:`lakehouse.cdc.apply_changes` on the caller's session, then the stage is emptied. A
failure between the two leaves the rows staged (and a ``_staged_not_applied`` marker): the next
update applies them again, which ``apply_changes`` makes converge. A full refresh drops the
target and its SCD state table (:func:`drop_cdc_state`). Databricks:
https://docs.databricks.com/aws/en/ldp/cdc.

Example:
    >>> staging_path("/tmp/state", "customers", "customers_cdc")
    '/tmp/state/staging/customers/customers_cdc'
"""

from __future__ import annotations

import os

from ..runtime.names import quote


def staging_path(storage: str, dataset: str, flow: str) -> str:
    """Where the flow's new source rows wait to be applied."""
    return os.path.join(storage, "staging", dataset, flow)


def run_cdc(spark, graph, ds, flow, target: str) -> dict:
    """Run the AUTO CDC ``flow`` into ``target``; return ``{"__rows": rows applied}``."""
    from ..cdc import apply_changes

    spec = graph.spec
    stage = staging_path(spec.storage, ds.name, flow.name)
    checkpoint = graph.checkpoint(ds, flow)
    source = graph.session.readStream.table(flow.cdc_source)
    query = (source.writeStream.format("delta").option("checkpointLocation", checkpoint)
             .option("mergeSchema", "true").trigger(availableNow=True)
             .queryName(f"pipeline_{spec.name}_{flow.name}"[:200]).start(stage))
    query.awaitTermination()
    pending = os.path.join(checkpoint, "_staged_not_applied")
    new_rows = sum(p.numInputRows or 0 for p in query.recentProgress)
    if not new_rows and not os.path.exists(pending):  # nothing new, nothing left from a failed update
        return {"__rows": 0}
    open(pending, "w").close()
    staged = spark.read.format("delta").load(stage)
    rows = staged.count()
    if rows:
        apply_changes(target, staged, **dict(flow.cdc))
        spark.sql(f"DELETE FROM delta.{quote(str(stage))}")
    os.remove(pending)
    return {"__rows": rows}


def drop_cdc_state(spark, table_name: str) -> None:
    """Drop the SCD state table that :func:`lakehouse.cdc.apply_changes` keeps beside ``table_name``."""
    from ..cdc.tables import state_parts
    from ..runtime.names import ident_parts, quote_name

    spark.sql(f"DROP TABLE IF EXISTS {quote_name(state_parts(ident_parts(table_name)))}")
