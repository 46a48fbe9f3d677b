"""One batch of change rows, resolved against the spec and checked before anything is written.

``prepare_batch`` resolves the columns (keys, output columns, tracked columns), analyses the
conditions and the sequence, materialises the change rows once in a fixed internal layout::

    <keys...>, __cdc_seq, __cdc_delete, __cdc_truncate, <value columns...>

and rejects a batch with a null sequence value (Databricks: "NULL sequencing values are
unsupported", https://docs.databricks.com/aws/en/ldp/cdc).

Example:
    >>> batch = prepare_batch(spec, source, scratch)     # doctest: +SKIP
    >>> batch.rows_in, batch.value_cols                  # doctest: +SKIP
    (8, ('name', 'city'))
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..runtime.names import quote
from .errors import CdcArgumentError, CdcColumnError, CdcNullSequenceError
from .spec import END_AT, START_AT, CdcSpec
from .tables import DEL, PREFIX, SEQ, TRUNC, has_map


@dataclass(frozen=True, eq=False)
class Batch:
    """A materialised, checked batch of change rows (see the module docstring for its layout)."""

    events: Any  # DataFrame in the internal layout
    keys: tuple[str, ...]
    value_cols: tuple[str, ...]  # output columns other than the keys, in output order
    output_cols: tuple[str, ...]  # the target's data columns, in order
    tracked_cols: tuple[str, ...]  # SCD 2: value columns whose change opens a new version
    output_schema: Any  # StructType of the output columns (all nullable)
    seq_type: Any  # DataType of sequence_by
    rows_in: int
    truncate_rows: int


def prepare_batch(spec: CdcSpec, source, scratch) -> Batch:
    """Resolve, check and materialise one batch of change rows.

    Args:
        spec: the validated flow arguments.
        source: the change rows (a DataFrame).
        scratch: the call's :class:`~lakehouse.cdc.tables.Scratch` (owns the materialised rows).

    Returns:
        A :class:`Batch`.

    Raises:
        CdcColumnError: a key or listed column is not in the source.
        CdcArgumentError: a condition or the sequence does not analyse, or has a bad type.
        CdcNullSequenceError: a change row has a null sequence value.
    """
    from pyspark.sql import functions as F
    from pyspark.sql.types import BooleanType, StructField, StructType

    fields = {f.name: f for f in source.schema.fields}
    resolve = _resolver(list(fields))
    keys = tuple(resolve(k, "keys") for k in spec.keys)
    if spec.column_list is not None:
        output = tuple(resolve(c, "column_list") for c in spec.column_list)
        missing_keys = [k for k in keys if k not in output]
        if missing_keys:
            raise CdcArgumentError(f"column_list must include the key columns; missing {missing_keys}.")
    else:
        excepted = {resolve(c, "except_column_list") for c in spec.except_column_list or ()}
        dropped_keys = [k for k in keys if k in excepted]
        if dropped_keys:
            raise CdcArgumentError(f"except_column_list cannot drop the key columns {dropped_keys}.")
        output = tuple(c for c in fields if c not in excepted)
    internal = [c for c in output if c.startswith(PREFIX) or c in (START_AT, END_AT)]
    if internal:
        raise CdcArgumentError(
            f"source columns {internal} use names reserved by the CDC engine ({PREFIX}*, "
            f"{START_AT}, {END_AT}).", fix="rename them or leave them out with except_column_list.")
    value_cols = tuple(c for c in output if c not in keys)
    tracked = _tracked(spec, value_cols, resolve)

    sequence = spec.column("sequence_by")
    seq_type = _analysed_type(source, sequence, "sequence_by")
    if has_map(seq_type):
        raise CdcArgumentError(f"sequence_by must be an orderable type, got {seq_type.simpleString()}.")
    conditions = {}
    for argument in ("apply_as_deletes", "apply_as_truncates"):
        condition = spec.column(argument)
        if condition is not None:
            found = _analysed_type(source, condition, argument)
            if not isinstance(found, BooleanType):
                raise CdcArgumentError(f"{argument} must be a boolean condition, got {found.simpleString()}.")
        conditions[argument] = F.coalesce(condition, F.lit(False)) if condition is not None else F.lit(False)

    is_truncate = conditions["apply_as_truncates"]
    events = source.select(
        *[F.col(quote(k)).alias(k) for k in keys],
        sequence.alias(SEQ),
        (~is_truncate & conditions["apply_as_deletes"]).alias(DEL),
        is_truncate.alias(TRUNC),
        *[F.col(quote(c)).alias(c) for c in value_cols],
    )
    events = scratch.materialize(events)
    null_seq = F.col(SEQ).isNull()
    if isinstance(seq_type, StructType):
        for field in seq_type.fields:
            null_seq = null_seq | F.col(SEQ)[field.name].isNull()
    stats = events.agg(F.count(F.lit(1)).alias("rows"),
                       F.sum(F.when(null_seq, 1).otherwise(0)).alias("null_seq"),
                       F.sum(F.when(F.col(TRUNC), 1).otherwise(0)).alias("truncates")).first()
    if stats["null_seq"]:
        raise CdcNullSequenceError(
            f"{stats['null_seq']} change row(s) have a null sequence_by value "
            f"{'(or a null field in it) ' if isinstance(seq_type, StructType) else ''}"
            "; nothing was applied.", fix="filter or fix those rows before applying the batch.")
    output_schema = StructType([StructField(c, fields[c].dataType, True) for c in output])
    return Batch(events=events, keys=keys, value_cols=value_cols, output_cols=output,
                 tracked_cols=tracked, output_schema=output_schema, seq_type=seq_type,
                 rows_in=int(stats["rows"]), truncate_rows=int(stats["truncates"] or 0))


def _tracked(spec: CdcSpec, value_cols, resolve) -> tuple[str, ...]:
    if spec.track_history_column_list is not None:
        chosen = [resolve(c, "track_history_column_list") for c in spec.track_history_column_list]
        bad = [c for c in chosen if c not in value_cols]
        if bad:
            raise CdcArgumentError(f"track_history_column_list names {bad}, which are keys or not "
                                   "target columns.")
        return tuple(c for c in value_cols if c in chosen)
    if spec.track_history_except_column_list is not None:
        left_out = {resolve(c, "track_history_except_column_list")
                    for c in spec.track_history_except_column_list}
        return tuple(c for c in value_cols if c not in left_out)
    return value_cols


def _resolver(columns: list[str]):
    """Map a user's column name to the source's spelling (Spark names are case-insensitive)."""
    by_lower = {}
    for c in columns:
        by_lower.setdefault(c.lower(), c)

    def resolve(name: str, argument: str) -> str:
        if name in columns:
            return name
        found = by_lower.get(name.lower())
        if found is None:
            raise CdcColumnError(f"{argument} names column {name!r}, which is not in the source "
                                 f"(columns: {columns}).")
        return found

    return resolve


def _analysed_type(source, column, argument: str):
    """The type of ``column`` over ``source``; analysis errors name the argument."""
    from pyspark.errors import PySparkException

    try:
        return source.select(column.alias("x")).schema.fields[0].dataType
    except PySparkException as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise CdcArgumentError(f"{argument} cannot be evaluated over the source: {first}") from exc
