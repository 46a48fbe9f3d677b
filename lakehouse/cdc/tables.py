"""Table plumbing for the CDC engine: names, the hidden state table, scratch views, MERGE.

The state table lives next to the target as ``__cdc_state_<table>`` (same catalog and schema).
The target and its state table carry the same random ``lakehouse.cdc.stateId`` table property,
and the state table also remembers the keys and SCD type: a target that was dropped and created
again (by this engine or by any other writer) has no or another id, so it never inherits old
state. (Reading two tables' properties costs two metadata lookups; the Delta table id would
need ``DESCRIBE DETAIL``, a Spark job over the table's files, on every call.)

Example:
    >>> quote_name(("lab", "customers"))
    '`lab`.`customers`'
    >>> state_parts(("lab", "customers"))
    ('lab', '__cdc_state_customers')
"""

from __future__ import annotations

import gc
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..runtime import delta_log
from ..runtime.names import quote, quote_name

# Internal column names (never in a target; sources may not use the prefix).
PREFIX = "__cdc_"
SEQ = "__cdc_seq"
DEL = "__cdc_delete"
TRUNC = "__cdc_truncate"
OP = "__cdc_op"
ACTION = "__cdc_action"
STATE_PREFIX = "__cdc_state_"

PROP_STATE_ID = "lakehouse.cdc.stateId"
PROP_KEYS = "lakehouse.cdc.keys"
PROP_SCD = "lakehouse.cdc.scdType"


@dataclass(frozen=True, eq=False)
class Plan:
    """What one batch does (SCD 1 or 2): materialised MERGE sources for the target and the state, and counts.

    ``target_changes``: keys, values (SCD 2 also ``__START_AT``/``__END_AT``) and ``__cdc_action``;
    ``state_changes``: keys, ``__cdc_seq``, ``__cdc_op``, ``__cdc_action``.
    """

    target_changes: Any
    state_changes: Any
    upserts: int
    deletes: int
    truncates: int
    ignored: int
    target_rows: int  # rows in target_changes
    state_rows: int


def state_parts(parts: tuple[str, ...]) -> tuple[str, ...]:
    """The name parts of the hidden state table that serves the target ``parts``."""
    return parts[:-1] + (STATE_PREFIX + parts[-1],)


def table_properties(spark, parts: tuple[str, ...]) -> dict[str, str] | None:
    """The table's properties as a dict, or None when there is no such table."""
    from pyspark.errors import AnalysisException

    try:
        rows = spark.sql(f"SHOW TBLPROPERTIES {quote_name(parts)}").collect()
    except AnalysisException as exc:
        if (exc.getCondition() or "").startswith("TABLE_OR_VIEW_NOT_FOUND"):
            return None
        raise
    return {r[0]: r[1] for r in rows}


_TABLE_FOLDERS: dict[tuple, Path | None] = {}  # (name parts, state id) -> the local table folder or None


def latest_version(spark, parts: tuple[str, ...], state_id: str | None = None) -> int:
    """The table's latest Delta version.

    With ``state_id`` (the ``lakehouse.cdc.stateId`` of the table, which names one table
    instance), the table's location is looked up once (``DESCRIBE DETAIL``) and the version is
    then read from the newest commit file name in its ``_delta_log`` folder: a directory listing
    instead of a ``DESCRIBE HISTORY`` query (~0.25 s a call through Spark Connect). A location
    that is not a folder on this machine falls back to ``DESCRIBE HISTORY``.
    """
    if state_id is not None:
        if (parts, state_id) not in _TABLE_FOLDERS:
            location = spark.sql(f"DESCRIBE DETAIL {quote_name(parts)}").select("location").first()[0]
            _TABLE_FOLDERS[(parts, state_id)] = delta_log.local_folder(location)
        folder = _TABLE_FOLDERS[(parts, state_id)]
        version = delta_log.latest_version(folder) if folder else -1
        if version >= 0:
            return version
    return int(spark.sql(f"DESCRIBE HISTORY {quote_name(parts)} LIMIT 1").select("version").first()[0])


def null_safe_on(left: str, right: str, columns) -> str:
    """A SQL join condition ``l.c <=> r.c AND ...`` over ``columns``."""
    return " AND ".join(f"{left}.{quote(c)} <=> {right}.{quote(c)}" for c in columns)


def renamed(columns, prefix: str) -> list:
    """``columns`` selected under numbered names ``<prefix>0``, ``<prefix>1``, ... (to join a frame to itself).

    Example:
        >>> spark.range(1).select(*renamed(["id", "id"], "__cdc_k_")).columns   # doctest: +SKIP
        ['__cdc_k_0', '__cdc_k_1']
    """
    from pyspark.sql import functions as F

    return [F.col(quote(c)).alias(f"{prefix}{i}") for i, c in enumerate(columns)]


def key_match(keys, prefix: str):
    """The null-safe join condition of ``keys`` with their :func:`renamed` copies ``<prefix><i>``.

    Example:
        >>> touched = changes.select(*renamed(keys, "__cdc_k_")).distinct()    # doctest: +SKIP
        >>> target.join(touched, key_match(keys, "__cdc_k_"), "left_semi")     # doctest: +SKIP
    """
    from pyspark.sql import functions as F

    cond = None
    for i, k in enumerate(keys):
        part = F.col(quote(k)).eqNullSafe(F.col(f"{prefix}{i}"))
        cond = part if cond is None else cond & part
    return cond


def insert_from(source: str, columns) -> str:
    """A MERGE's ``INSERT (c, ...) VALUES (s.c, ...)`` taking ``columns`` from the source alias ``source``.

    Example:
        >>> insert_from("s", ["id", "a`b"])
        'INSERT (`id`, `a``b`) VALUES (s.`id`, s.`a``b`)'
    """
    columns = list(columns)
    return (f"INSERT ({', '.join(quote(c) for c in columns)}) "
            f"VALUES ({', '.join(f'{source}.{quote(c)}' for c in columns)})")


def sql_same(a: str, b: str, has_map_type: bool = False) -> str:
    """SQL null-safe equality of two expressions; compares JSON when the type holds a map."""
    if has_map_type:
        return f"to_json(named_struct('v', {a})) <=> to_json(named_struct('v', {b}))"
    return f"{a} <=> {b}"


def same(a, b, data_type):
    """A null-safe equality Column of ``a`` and ``b``; compares JSON for map types (not comparable)."""
    from pyspark.sql import functions as F

    if _has_map(data_type):
        return F.to_json(F.struct(a.alias("v"))).eqNullSafe(F.to_json(F.struct(b.alias("v"))))
    return a.eqNullSafe(b)


def all_same(pairs):
    """AND of :func:`same` over ``(a, b, type)`` triples (True for none)."""
    from pyspark.sql import functions as F

    result = F.lit(True)
    for a, b, data_type in pairs:
        result = result & same(a, b, data_type)
    return result


def _has_map(data_type) -> bool:
    from pyspark.sql.types import ArrayType, MapType, StructType

    if isinstance(data_type, MapType):
        return True
    if isinstance(data_type, ArrayType):
        return _has_map(data_type.elementType)
    if isinstance(data_type, StructType):
        return any(_has_map(f.dataType) for f in data_type.fields)
    return False


def has_map(data_type) -> bool:
    """True when ``data_type`` is or contains a map (maps cannot be ordered or compared)."""
    return _has_map(data_type)


class Scratch:
    """Per-call scratch space: unique temp views and materialised frames, released on close.

    Frames are materialised with ``localCheckpoint(eager=True)``: the data is computed once from
    the table versions read at that moment, and later MERGEs on those tables cannot change it
    (a cached frame would be recomputed when Delta refreshes the table's cache entries).

    Example:
        >>> with Scratch(spark) as scratch:                 # doctest: +SKIP
        ...     name = scratch.view(spark.range(3))
    """

    def __init__(self, spark):
        self.spark = spark
        self._views: list[str] = []
        self._frames: list = []

    def __enter__(self) -> "Scratch":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def view(self, df) -> str:
        """Register ``df`` as a uniquely named temp view and return the (quoted) name."""
        name = f"__cdc_view_{uuid.uuid4().hex}"
        df.createOrReplaceTempView(name)
        self._views.append(name)
        return quote(name)

    def materialize(self, df):
        """Compute ``df`` now and return a frame over the computed rows."""
        frame = df.localCheckpoint(eager=True)
        self._frames.append(frame)
        return frame

    def close(self) -> None:
        """Drop the views and release the materialised frames (server-side blocks)."""
        for name in self._views:
            try:
                self.spark.catalog.dropTempView(name)
            except Exception:  # the session may be gone; nothing to clean then
                pass
        self._views.clear()
        for frame in self._frames:
            _release(frame)
        self._frames.clear()
        gc.collect()


def _release(frame) -> None:
    """Free a Spark Connect checkpoint now. Left to ``__del__``, the release may run at
    interpreter exit, where it can block the exit (seen with pyspark 4.2.0)."""
    relation = getattr(frame, "_plan", None)
    if type(relation).__name__ != "CachedRemoteRelation" or relation._relation_id is None:
        return  # classic Spark, or already released
    try:
        relation.__del__()
    finally:
        relation._relation_id = None
