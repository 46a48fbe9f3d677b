"""The errors of :mod:`lakehouse.cdc`: one root, ``CdcError``, and a stable ``code`` per kind.

Every error is raised before anything is written, so the target is unchanged.

Example:
    >>> from lakehouse.cdc.errors import CdcArgumentError
    >>> CdcArgumentError.code
    'CDC_INVALID_ARGUMENT'
"""

from __future__ import annotations

from ..errors import LakehouseError


class CdcError(LakehouseError):
    """Root of the AUTO CDC engine's errors."""

    code = "CDC_ERROR"


class CdcArgumentError(CdcError):
    """An argument of ``apply_changes`` has a bad type, value or combination."""

    code = "CDC_INVALID_ARGUMENT"


class CdcColumnError(CdcError):
    """A column named by ``keys``, ``column_list`` or a track-history list is not in the source."""

    code = "CDC_MISSING_COLUMN"


class CdcNullSequenceError(CdcError):
    """A change row has a null ``sequence_by`` value (Databricks does not support them either)."""

    code = "CDC_NULL_SEQUENCE"


class CdcTargetError(CdcError):
    """The target exists but does not fit this flow (other columns, keys or SCD type)."""

    code = "CDC_TARGET_MISMATCH"
