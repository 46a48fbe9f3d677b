"""``CdcSpec``: the validated, frozen arguments of one AUTO CDC flow.

The rules of ``create_auto_cdc_flow`` / ``apply_changes`` are checked here, without Spark, so a
bad combination fails before any data is read or written
(https://docs.databricks.com/aws/en/ldp/developer/ldp-python-ref-apply-changes):

- ``stored_as_scd_type`` is 1 or 2 (``"1"``/``"2"`` accepted, as on Databricks);
- ``column_list`` and ``except_column_list`` exclude each other;
- ``track_history_column_list`` and ``track_history_except_column_list`` exclude each other
  and need SCD type 2;
- ``apply_as_truncates`` needs SCD type 1 (Databricks: "SCD type 2 does not support
  truncate operations");
- conditions are a SQL string or a ``Column`` (normalised by :mod:`lakehouse.quality.conditions`);
- ``sequence_by`` is a column name or a ``Column`` (``struct(...)`` orders by its fields in turn).

Example:
    >>> spec = build_spec("lab.customers", keys=["id"], sequence_by="seq",
    ...                   apply_as_deletes="op = 'DELETE'", stored_as_scd_type="2")
    >>> spec.keys, spec.scd_type, spec.table_parts
    (('id',), 2, ('lab', 'customers'))
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..quality.conditions import check_condition, condition_column
from ..runtime.names import IdentifierError, ident_parts, quote
from .errors import CdcArgumentError

# Columns the engine adds to an SCD type 2 target (names as on Databricks).
START_AT = "__START_AT"
END_AT = "__END_AT"


@dataclass(frozen=True, eq=False)
class CdcSpec:
    """The arguments of one AUTO CDC flow, validated (see the module docstring for the rules).

    Build it with :func:`build_spec`; the engine never changes it.
    """

    target: str
    table_parts: tuple[str, ...]
    keys: tuple[str, ...]
    sequence_by: Any  # str | Column, as given (see ``column``)
    apply_as_deletes: Any = None  # str | Column | None
    apply_as_truncates: Any = None  # str | Column | None
    column_list: tuple[str, ...] | None = None
    except_column_list: tuple[str, ...] | None = None
    scd_type: int = 1
    track_history_column_list: tuple[str, ...] | None = None
    track_history_except_column_list: tuple[str, ...] | None = None
    ignore_null_updates: bool = False

    def column(self, argument: str):
        """``sequence_by``, ``apply_as_deletes`` or ``apply_as_truncates`` as a ``Column`` (or None).

        Strings become Columns only here, when a Spark session exists.
        """
        value = getattr(self, argument)
        if argument == "sequence_by":
            return _as_sequence(value, convert=True)
        return condition_column(value, argument, CdcArgumentError, optional=True)


def build_spec(target, *, keys, sequence_by, apply_as_deletes=None, apply_as_truncates=None,
               column_list=None, except_column_list=None, stored_as_scd_type=1,
               track_history_column_list=None, track_history_except_column_list=None,
               ignore_null_updates=False) -> CdcSpec:
    """Validate the arguments of ``apply_changes`` and freeze them into a :class:`CdcSpec`.

    Args:
        target: the target table name, ``table``, ``schema.table`` or ``catalog.schema.table``.
        keys: the key column names (a non-empty list).
        sequence_by: a column name or a ``Column`` (a ``struct`` of columns orders field by field).
        apply_as_deletes: a SQL condition string or ``Column`` marking delete rows, or None.
        apply_as_truncates: a SQL condition string or ``Column`` marking truncate rows (SCD 1).
        column_list: the columns to keep in the target (keys included), or None.
        except_column_list: the columns to leave out of the target, or None.
        stored_as_scd_type: 1 or 2 (or "1"/"2").
        track_history_column_list: SCD 2: the columns whose changes open a new version.
        track_history_except_column_list: SCD 2: the columns whose changes do not.
        ignore_null_updates: keep the target's value where an update has a null.

    Returns:
        A frozen :class:`CdcSpec`.

    Raises:
        CdcArgumentError: a bad type, value or combination; the message names the argument.

    Example:
        >>> build_spec("s.t", keys=["id"], sequence_by="ts", stored_as_scd_type=3)
        Traceback (most recent call last):
        ...
        lakehouse.cdc.errors.CdcArgumentError: [CDC_INVALID_ARGUMENT] stored_as_scd_type must be 1 or 2, got 3.
    """
    scd_type = _scd_type(stored_as_scd_type)
    parts = _table_parts(target)
    keys_t = _names(keys, "keys", allow_none=False)
    if not keys_t:
        raise CdcArgumentError("keys must name at least one column, got an empty list.")
    columns = _names(column_list, "column_list")
    excepted = _names(except_column_list, "except_column_list")
    if columns is not None and excepted is not None:
        raise CdcArgumentError("column_list and except_column_list cannot be set together.",
                               fix="keep one of them.")
    tracked = _names(track_history_column_list, "track_history_column_list")
    untracked = _names(track_history_except_column_list, "track_history_except_column_list")
    if tracked is not None and untracked is not None:
        raise CdcArgumentError(
            "track_history_column_list and track_history_except_column_list cannot be set together.",
            fix="keep one of them.")
    if scd_type == 1 and (tracked is not None or untracked is not None):
        raise CdcArgumentError("track_history_column_list / track_history_except_column_list need "
                               "stored_as_scd_type=2.", fix="set stored_as_scd_type=2 or drop them.")
    deletes = check_condition(apply_as_deletes, "apply_as_deletes", CdcArgumentError, optional=True)
    truncates = check_condition(apply_as_truncates, "apply_as_truncates", CdcArgumentError, optional=True)
    sequence = _as_sequence(sequence_by)
    if scd_type == 2 and truncates is not None:
        raise CdcArgumentError("apply_as_truncates is supported only for stored_as_scd_type=1 "
                               "(Databricks: SCD type 2 does not support truncates).")
    if not isinstance(ignore_null_updates, bool):
        raise CdcArgumentError(
            f"ignore_null_updates must be a bool, got {type(ignore_null_updates).__name__}.")
    return CdcSpec(target=target, table_parts=parts, keys=keys_t,
                   sequence_by=sequence, apply_as_deletes=deletes,
                   apply_as_truncates=truncates, column_list=columns, except_column_list=excepted,
                   scd_type=scd_type, track_history_column_list=tracked,
                   track_history_except_column_list=untracked,
                   ignore_null_updates=ignore_null_updates)


def _as_sequence(value, *, convert: bool = False):
    from pyspark.sql import Column
    from pyspark.sql import functions as F

    if isinstance(value, Column):
        return value
    if isinstance(value, str) and value.strip():
        return F.col(quote(value)) if convert else value
    raise CdcArgumentError(
        "sequence_by must be a column name or a Column (e.g. struct('ts', 'id')), "
        f"got {type(value).__name__}{' (empty)' if isinstance(value, str) else ''}.")


def _scd_type(value) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise CdcArgumentError(f"stored_as_scd_type must be 1 or 2, got {type(value).__name__}.")
    text = str(value).strip()
    if text not in ("1", "2"):
        raise CdcArgumentError(f"stored_as_scd_type must be 1 or 2, got {value!r}.")
    return int(text)


def _names(value, argument: str, *, allow_none: bool = True) -> tuple[str, ...] | None:
    if value is None and allow_none:
        return None
    if isinstance(value, (str, bytes)) or not isinstance(value, (list, tuple)):
        raise CdcArgumentError(
            f"{argument} must be a list of column names, got {type(value).__name__}.",
            fix=f"write {argument}=[...]." if isinstance(value, str) else None)
    names = tuple(value)
    for name in names:
        if not isinstance(name, str) or not name:
            raise CdcArgumentError(
                f"{argument} must hold non-empty column names (str), found {type(name).__name__}.")
    if len(set(names)) != len(names):
        raise CdcArgumentError(f"{argument} names a column twice: {list(names)}.")
    return names


def _table_parts(target) -> tuple[str, ...]:
    if not isinstance(target, str) or not target.strip():
        raise CdcArgumentError(
            f"target must be a table name such as 'schema.table', got {type(target).__name__}.")
    try:
        parts = ident_parts(target)
    except IdentifierError:
        parts = ()
    if not 1 <= len(parts) <= 3 or any(not p for p in parts):
        raise CdcArgumentError(
            f"target must be 'table', 'schema.table' or 'catalog.schema.table', got {target!r}.")
    return parts
