"""``apply_changes``: apply one batch of change rows to a Delta table, AUTO CDC style.

Each call is one micro-batch of a flow: it checks the arguments and the batch, creates the
target (and its hidden state table) on first use, computes the new rows of the keys the batch
touches, and MERGEs only the differences (Delta ``MERGE INTO``, no table rewrite). A batch that
changes nothing (a replay) commits nothing.

The target is written first and the state table second. They are two commits, not one; if a
call fails between them, applying the same batch again converges to the right result.

Example:
    >>> from lakehouse.cdc import apply_changes                             # doctest: +SKIP
    >>> apply_changes("lab.users", changes, keys=["userId"], sequence_by="sequenceNum",
    ...               apply_as_deletes="operation = 'DELETE'",
    ...               except_column_list=["operation", "sequenceNum"])      # doctest: +SKIP
    CdcResult(rows_in=8, upserts=6, deletes=1, truncates=0, ignored=1, rows_written=3, target_version=1)
"""

from __future__ import annotations

from dataclasses import dataclass

from .batch import Batch, prepare_batch
from .errors import CdcArgumentError, CdcTargetError
from .spec import END_AT, START_AT, CdcSpec, build_spec
from .tables import (OP, PROP_KEYS, PROP_SCD, PROP_STATE_ID, SEQ, Scratch, has_map, latest_version,
                     quote_name, state_parts, table_properties)


@dataclass(frozen=True)
class CdcResult:
    """What one ``apply_changes`` call did.

    ``rows_in == upserts + deletes + truncates + ignored``: every change row is counted once.
    ``ignored`` rows were stale (at or below what the key already has, or below a truncate),
    duplicates of an applied change, or lost a tie. ``rows_written`` counts target rows
    inserted, updated or deleted; ``target_version`` is the target's Delta version afterwards.
    """

    rows_in: int
    upserts: int
    deletes: int
    truncates: int
    ignored: int
    rows_written: int
    target_version: int


def apply_changes(target, source, *, keys, sequence_by, apply_as_deletes=None, apply_as_truncates=None,
                  column_list=None, except_column_list=None, stored_as_scd_type=1,
                  track_history_column_list=None, track_history_except_column_list=None,
                  ignore_null_updates=False) -> CdcResult:
    """Apply one batch of change rows to the Delta table ``target`` (SCD type 1 or 2).

    Same arguments and semantics as Databricks' ``create_auto_cdc_flow`` / ``apply_changes``
    (https://docs.databricks.com/aws/en/ldp/developer/ldp-python-ref-apply-changes); call it
    again with the next batch to continue the same history.

    Args:
        target: the table name (``schema.table`` or ``catalog.schema.table``); created on first use.
        source: the change rows, a DataFrame (one micro-batch).
        keys: the key column names.
        sequence_by: the ordering column name or ``Column`` (``struct(...)`` orders field by field).
        apply_as_deletes: SQL string or ``Column``: rows that are deletes.
        apply_as_truncates: SQL string or ``Column``: rows that truncate the table (SCD 1 only).
        column_list: the columns to keep in the target (mutually exclusive with the next).
        except_column_list: the columns to leave out of the target.
        stored_as_scd_type: 1 (latest row per key) or 2 (history with ``__START_AT``/``__END_AT``).
        track_history_column_list: SCD 2 only: the columns whose changes open a new version.
        track_history_except_column_list: SCD 2 only: the columns whose changes update in place.
        ignore_null_updates: a null in an update keeps the target's value.

    Returns:
        A :class:`CdcResult` with the counts and the target's version.

    Raises:
        CdcArgumentError: a bad argument or combination (nothing is read or written).
        CdcColumnError: a key or listed column is not in the source.
        CdcNullSequenceError: a change row has a null sequence value (nothing is written).
        CdcTargetError: the target exists with other columns, keys or SCD type.

    Example:
        >>> changes = spark.createDataFrame(                             # doctest: +SKIP
        ...     [(1, "Ada", "INSERT", 1), (1, None, "DELETE", 2)], "id int, name string, op string, seq int")
        >>> apply_changes("lab.people", changes, keys=["id"], sequence_by="seq",
        ...               apply_as_deletes="op = 'DELETE'", except_column_list=["op", "seq"],
        ...               stored_as_scd_type=2).deletes                   # doctest: +SKIP
        1
    """
    from pyspark.sql import DataFrame

    spec = build_spec(target, keys=keys, sequence_by=sequence_by, apply_as_deletes=apply_as_deletes,
                      apply_as_truncates=apply_as_truncates, column_list=column_list,
                      except_column_list=except_column_list, stored_as_scd_type=stored_as_scd_type,
                      track_history_column_list=track_history_column_list,
                      track_history_except_column_list=track_history_except_column_list,
                      ignore_null_updates=ignore_null_updates)
    if not isinstance(source, DataFrame):
        raise CdcArgumentError(f"source must be a DataFrame of change rows, got {type(source).__name__}.")
    spark = source.sparkSession
    with Scratch(spark) as scratch:
        batch = prepare_batch(spec, source, scratch)
        state, state_id = _ensure_tables(spark, spec, batch)
        return _apply(spark, spec, batch, scratch, state, state_id)


def _apply(spark, spec: CdcSpec, batch: Batch, scratch: Scratch, state, state_id: str) -> CdcResult:
    from ..runtime.spark_conf import session_conf
    from . import scd1, scd2

    target = spec.table_parts
    values = list(batch.value_cols)
    if spec.scd_type == 1:
        plan = scd1.plan_scd1(spark, spec, batch, scratch, target, state)
        maps = {f.name for f in batch.output_schema.fields if has_map(f.dataType)}
        target_sql = scd1.target_merge_sql(quote_name(target), "{view}", batch.keys, values, maps)
        state_sql = scd1.state_merge_sql(quote_name(state), "{view}", batch.keys)
    else:
        plan = scd2.plan_scd2(spark, spec, batch, scratch, target, state)
        target_sql = scd2.target_merge_sql(quote_name(target), "{view}", batch.keys, values)
        state_sql = scd2.state_merge_sql(quote_name(state), "{view}", batch.keys)
    # The MERGE sources are materialised (localCheckpoint) or computed from materialised frames
    # only, so they are deterministic: Delta need not copy them again.
    with session_conf(spark, {"spark.databricks.delta.merge.materializeSource": "none"}):
        if plan.target_rows:
            spark.sql(target_sql.replace("{view}", scratch.view(plan.target_changes)))
        if plan.state_rows:
            spark.sql(state_sql.replace("{view}", scratch.view(plan.state_changes)))
    return CdcResult(rows_in=batch.rows_in, upserts=plan.upserts, deletes=plan.deletes,
                     truncates=plan.truncates, ignored=plan.ignored, rows_written=plan.target_rows,
                     target_version=latest_version(spark, target, state_id))


def _ensure_tables(spark, spec: CdcSpec, batch: Batch) -> tuple[tuple[str, ...], str]:
    """Check (or create) the target and its state table; return the state table's name parts
    and the pair's state id.

    Three metadata lookups on a warm call (the target's properties and columns, the state's
    properties); see :mod:`lakehouse.cdc.tables` for how the pair is matched.
    """
    import uuid

    from pyspark.sql.types import StringType, StructField, StructType

    target, state = spec.table_parts, state_parts(spec.table_parts)
    seq_field = [StructField(START_AT, batch.seq_type, True), StructField(END_AT, batch.seq_type, True)]
    wanted = StructType(batch.output_schema.fields + (seq_field if spec.scd_type == 2 else []))
    props = {PROP_KEYS: ",".join(batch.keys), PROP_SCD: str(spec.scd_type)}
    target_props = table_properties(spark, target)
    if target_props is not None:
        found = [f.name for f in spark.table(quote_name(target)).schema.fields]
        if [n.lower() for n in found] != [f.name.lower() for f in wanted.fields]:
            raise CdcTargetError(
                f"target {spec.target} has columns {found}, but this flow writes "
                f"{[f.name for f in wanted.fields]}.",
                fix="drop the target (a full refresh) or select the same columns.")
        state_id = target_props.get(PROP_STATE_ID)
        if state_id:
            stored = table_properties(spark, state)
            if stored is not None and stored.get(PROP_STATE_ID) == state_id:
                for prop, label in ((PROP_KEYS, "keys"), (PROP_SCD, "stored_as_scd_type")):
                    if stored.get(prop) != props[prop]:
                        raise CdcTargetError(
                            f"target {spec.target} was built with {label}={stored.get(prop)}, "
                            f"this call uses {props[prop]}.", fix="drop the target for a full refresh.")
                return state, state_id
        # A target this engine has not written yet (or whose state is gone): start a new state.
        state_id = uuid.uuid4().hex
        spark.sql(f"ALTER TABLE {quote_name(target)} SET TBLPROPERTIES "
                  f"('{PROP_STATE_ID}' = '{state_id}')")
    else:
        state_id = uuid.uuid4().hex
        spark.createDataFrame([], wanted).writeTo(quote_name(target)).using("delta") \
            .tableProperty(PROP_STATE_ID, state_id).create()
    key_fields = {f.name: f for f in batch.output_schema.fields}
    state_schema = StructType([StructField(k, key_fields[k].dataType, True) for k in batch.keys]
                              + [StructField(SEQ, batch.seq_type, True), StructField(OP, StringType(), True)])
    writer = spark.createDataFrame([], state_schema).writeTo(quote_name(state)).using("delta")
    for key, value in {**props, PROP_STATE_ID: state_id}.items():
        writer = writer.tableProperty(key, value)
    writer.createOrReplace()
    return state, state_id
