"""The course's errors: a lab context asked for something missing, a check failing in strict mode,
solution notebooks out of sync. Subclasses of the package's one root, :class:`lakehouse.errors.LakehouseError`.

Example:
    >>> from lakehouse.course.errors import GradingError
    >>> GradingError.code
    'CHECK_FAILED'
"""

from __future__ import annotations

from ..errors import LakehouseError


class LabError(LakehouseError):
    """A lab context was asked for something that does not exist."""

    code = "LAB_ERROR"


class GradingError(LakehouseError):
    """A graded check failed while grading runs in strict mode (tests)."""

    code = "CHECK_FAILED"


class NotebookSyncError(LakehouseError):
    """A solution notebook has malformed solution markers, or labs/ is stale."""

    code = "NOTEBOOK_SYNC"
