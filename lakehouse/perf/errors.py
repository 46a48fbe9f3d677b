"""The errors of :mod:`lakehouse.perf`: one root, ``PerfError``, and a stable ``code`` per kind.

Example:
    >>> from lakehouse.perf.errors import PerfArgumentError
    >>> PerfArgumentError.code
    'PERF_INVALID_ARGUMENT'
"""

from __future__ import annotations

from ..errors import LakehouseError


class PerfError(LakehouseError):
    """Root of the measuring helpers' errors."""

    code = "PERF_ERROR"


class PerfArgumentError(PerfError):
    """An argument has a bad type or value (the message names it and what was found)."""

    code = "PERF_INVALID_ARGUMENT"


class NotADeltaTableError(PerfError):
    """The table does not exist or is not a Delta table, so it has no log to read."""

    code = "PERF_NOT_A_DELTA_TABLE"
