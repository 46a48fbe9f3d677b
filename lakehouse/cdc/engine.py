"""``apply_changes``: apply one batch of change rows to a Delta table, AUTO CDC style.

Each call is one micro-batch of a flow: it checks the arguments and the batch, computes the new
rows of the keys the batch touches in one query (materialised once), creates the target (and its
hidden state table) on first use, and MERGEs only the differences (Delta ``MERGE INTO``, no table
rewrite). A batch that changes nothing (a replay) commits nothing; a batch that fails its checks
writes nothing, not even a new target.

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

from .batch import N_NULL_SEQ, N_ROWS, N_TRUNC_ROWS, Batch, null_sequence_error, prepare_batch
from .errors import CdcArgumentError, CdcTargetError
from .spec import END_AT, START_AT, CdcSpec, build_spec
from .tables import (ACTION, N_DELETES, N_TRUNCATES, N_UPSERTS, OP, PROP_KEYS, PROP_SCD, PROP_TARGET_ID, SEQ, Scratch,
                     Tables, has_map, latest_version, quote, quote_name, state_parts, table_exists, table_id,
                     table_properties)


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
        batch = prepare_batch(spec, source)
        tables = _read_tables(spark, spec, batch)
        return _apply(spark, spec, batch, scratch, tables)


# The columns of the one frame a batch is planned into: a tag per row (target change, state
# change, or the one row of counts) next to the columns of all three.
KIND = "__cdc_kind"
COUNTS = (N_UPSERTS, N_DELETES, N_TRUNCATES, N_ROWS, N_NULL_SEQ, N_TRUNC_ROWS)


def _apply(spark, spec: CdcSpec, batch: Batch, scratch: Scratch, tables: Tables) -> CdcResult:
    """Plan the batch in one query, check it, then write: create the tables if new, two MERGEs.

    The target changes, state changes and counts are computed together and materialised once
    (``localCheckpoint``), so planning a batch costs one query plus one small aggregate,
    whatever the number of branches in the SCD logic.
    """
    from pyspark.sql import functions as F

    from . import scd1, scd2
    from ..spark_conf import session_conf

    target = spec.table_parts
    state = state_parts(target)
    values = list(batch.value_cols)
    if spec.scd_type == 1:
        plan = scd1.plan_scd1(spec, batch, tables)
        maps = {f.name for f in batch.output_schema.fields if has_map(f.dataType)}
        target_sql = scd1.target_merge_sql(quote_name(target), "{view}", batch.keys, values, maps)
        state_sql = scd1.state_merge_sql(quote_name(state), "{view}", batch.keys)
    else:
        plan = scd2.plan_scd2(spec, batch, tables)
        target_sql = scd2.target_merge_sql(quote_name(target), "{view}", batch.keys, values)
        state_sql = scd2.state_merge_sql(quote_name(state), "{view}", batch.keys)
    counts = plan.counts.crossJoin(batch.stats)
    planned = scratch.materialize(
        plan.target_changes.withColumn(KIND, F.lit("target"))
        .unionByName(plan.state_changes.withColumn(KIND, F.lit("state")), allowMissingColumns=True)
        .unionByName(counts.withColumn(KIND, F.lit("counts")), allowMissingColumns=True))
    is_kind = {kind: F.col(KIND) == kind for kind in ("target", "state")}
    n = planned.agg(*[F.sum(F.when(cond, 1).otherwise(0)).alias(kind) for kind, cond in is_kind.items()],
                    *[F.max(c).alias(c) for c in COUNTS]).first()
    if n[N_NULL_SEQ]:
        raise null_sequence_error(int(n[N_NULL_SEQ]), batch.seq_type)
    _create_tables(spark, spec, batch, tables)
    # The MERGE sources are materialised already: Delta need not copy them again.
    with session_conf(spark, {"spark.databricks.delta.merge.materializeSource": "none"}):
        keys, seq_cols = list(batch.keys), ([START_AT, END_AT] if spec.scd_type == 2 else [])
        columns = {"target": [*keys, *values, *seq_cols, ACTION], "state": [*keys, SEQ, OP, ACTION]}
        for kind, sql in (("target", target_sql), ("state", state_sql)):
            if n[kind]:
                rows = planned.where(is_kind[kind]).select(*[F.col(quote(c)) for c in columns[kind]])
                spark.sql(sql.replace("{view}", scratch.view(rows)))
    upserts, deletes, truncates = (int(n[c] or 0) for c in (N_UPSERTS, N_DELETES, N_TRUNCATES))
    rows_in = int(n[N_ROWS])
    return CdcResult(rows_in=rows_in, upserts=upserts, deletes=deletes, truncates=truncates,
                     ignored=rows_in - upserts - deletes - truncates, rows_written=int(n["target"] or 0),
                     target_version=latest_version(spark, target))


def _wanted_schemas(spec: CdcSpec, batch: Batch):
    """The target's and the state table's columns for this flow."""
    from pyspark.sql.types import StringType, StructField, StructType

    seq_field = [StructField(START_AT, batch.seq_type, True), StructField(END_AT, batch.seq_type, True)]
    target = StructType(batch.output_schema.fields + (seq_field if spec.scd_type == 2 else []))
    key_fields = {f.name: f for f in batch.output_schema.fields}
    state = StructType([StructField(k, key_fields[k].dataType, True) for k in batch.keys]
                       + [StructField(SEQ, batch.seq_type, True), StructField(OP, StringType(), True)])
    return target, state


def _read_tables(spark, spec: CdcSpec, batch: Batch) -> Tables:
    """Check the target and its state table (nothing is written); empty frames stand in for
    tables that do not exist yet, or for a state table that served an older target."""
    from pyspark.errors import AnalysisException

    target, state = spec.table_parts, state_parts(spec.table_parts)
    wanted, state_schema = _wanted_schemas(spec, batch)
    props = {PROP_KEYS: ",".join(batch.keys), PROP_SCD: str(spec.scd_type)}
    try:
        target_df = spark.table(quote_name(target))
        found = [f.name for f in target_df.schema.fields]
    except AnalysisException:
        if table_exists(spark, target):
            raise
        empty = spark.createDataFrame([], wanted), spark.createDataFrame([], state_schema)
        return Tables(target=empty[0], state=empty[1], target_exists=False, state_current=False)
    if [n.lower() for n in found] != [f.name.lower() for f in wanted.fields]:
        raise CdcTargetError(
            f"target {spec.target} has columns {found}, but this flow writes "
            f"{[f.name for f in wanted.fields]}.",
            fix="drop the target (a full refresh) or select the same columns.")
    try:
        stored = table_properties(spark, state)
    except AnalysisException:  # no state table yet
        stored = {}
    if stored and stored.get(PROP_TARGET_ID) == table_id(spark, target):
        for prop, label in ((PROP_KEYS, "keys"), (PROP_SCD, "stored_as_scd_type")):
            if stored.get(prop) != props[prop]:
                raise CdcTargetError(
                    f"target {spec.target} was built with {label}={stored.get(prop)}, "
                    f"this call uses {props[prop]}.", fix="drop the target for a full refresh.")
        return Tables(target=target_df, state=spark.table(quote_name(state)), target_exists=True,
                      state_current=True)
    return Tables(target=target_df, state=spark.createDataFrame([], state_schema), target_exists=True,
                  state_current=False)


def _create_tables(spark, spec: CdcSpec, batch: Batch, tables: Tables) -> None:
    """Create the target and (again) the state table where :func:`_read_tables` found none."""
    target, state = spec.table_parts, state_parts(spec.table_parts)
    if tables.state_current:
        return
    wanted, state_schema = _wanted_schemas(spec, batch)
    if not tables.target_exists:
        spark.createDataFrame([], wanted).writeTo(quote_name(target)).using("delta").create()
    props = {PROP_KEYS: ",".join(batch.keys), PROP_SCD: str(spec.scd_type), PROP_TARGET_ID: table_id(spark, target)}
    writer = spark.createDataFrame([], state_schema).writeTo(quote_name(state)).using("delta")
    for key, value in props.items():
        writer = writer.tableProperty(key, value)
    writer.createOrReplace()
