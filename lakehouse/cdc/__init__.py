"""AUTO CDC for Delta tables: Databricks' ``create_auto_cdc_flow`` / ``apply_changes`` semantics.

``apply_changes(target, batch, keys=..., sequence_by=...)`` applies one micro-batch of change
rows to a Delta table as SCD type 1 (latest row per key) or SCD type 2 (history with
``__START_AT``/``__END_AT``), handling out-of-order rows, deletes, truncates (SCD 1) and
track-history lists, with Delta ``MERGE INTO`` over Spark Connect or classic Spark.

Modules: :mod:`.spec` (argument rules), :mod:`.batch` (batch checks), :mod:`.scd1`,
:mod:`.scd2` (semantics and tie rules), :mod:`.engine` (the call), :mod:`.errors`.

Example:
    >>> from lakehouse.cdc import apply_changes, CdcResult
    >>> sorted(CdcResult.__dataclass_fields__)[:3]
    ['deletes', 'ignored', 'rows_in']
"""

from .apply import CdcResult, apply_changes
from .errors import CdcArgumentError, CdcColumnError, CdcError, CdcNullSequenceError, CdcTargetError

__all__ = [
    "CdcArgumentError",
    "CdcColumnError",
    "CdcError",
    "CdcNullSequenceError",
    "CdcResult",
    "CdcTargetError",
    "apply_changes",
]
