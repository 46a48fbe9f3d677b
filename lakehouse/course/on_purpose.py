"""A failure a lab shows on purpose: the cell prints it in one line, and fails when nothing failed.

A lab cell that demonstrates an error (``expect_or_fail`` stopping an update, ANSI mode failing a
cast, a schema change stopping a stream) used to be ``try: ... except X: print(...)``: when the
data or the runtime changed so that nothing failed, the cell printed nothing and the lesson
silently taught the opposite. ``ctx.fails_on_purpose(X)`` (see :class:`ShownFailure`) makes that
impossible: ``make test`` runs every solution notebook, and the cell raises when the block
succeeds.

Example:
    >>> with fails_on_purpose(ZeroDivisionError, what="a division by zero") as shown:
    ...     1 / 0
    ZeroDivisionError: division by zero
    >>> type(shown.error).__name__
    'ZeroDivisionError'
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from .errors import LabError


@dataclass
class ShownFailure:
    """The exception a :func:`fails_on_purpose` block raised (``None`` while the block runs)."""

    error: BaseException | None = None


@contextmanager
def fails_on_purpose(*expected: type[BaseException], what: str, width: int = 300,
                     replace: dict[str, str] | None = None) -> Iterator[ShownFailure]:
    """Run a block that must fail with one of ``expected``; print that failure in one line.

    Args:
        expected: the exception types the block is meant to raise (others pass through).
        what: what the cell shows, for the message when nothing fails (``"expect_or_fail
            stopping the update"``).
        width: the most characters of the printed line.
        replace: substrings to shorten in the printed line (long folder names).

    Returns:
        A :class:`ShownFailure` whose ``error`` is the exception, for the lines after the block.

    Raises:
        LabError: the block finished without raising one of ``expected``.

    Example:
        >>> with fails_on_purpose(KeyError, what="a missing key") as shown:
        ...     {}["region"]
        KeyError: 'region'
        >>> with fails_on_purpose(KeyError, what="a missing key"):
        ...     pass
        Traceback (most recent call last):
        lakehouse.course.errors.LabError: [LAB_ERROR] This cell shows a missing key on purpose, but nothing failed.
          Fix: ...
    """
    from ..display import short_error

    shown = ShownFailure()
    try:
        yield shown
    except expected as exc:
        shown.error = exc
        line = short_error(exc, width=width, replace=replace)
        print(line if line.startswith(("[", type(exc).__name__)) else f"{type(exc).__name__}: {line}")
        return
    raise LabError(f"This cell shows {what} on purpose, but nothing failed.",
                   fix="the data or the code above no longer breaks the rule this cell demonstrates; "
                       "run the lab's earlier cells again (ctx.reset() first) and compare with the "
                       "solution notebook.")
