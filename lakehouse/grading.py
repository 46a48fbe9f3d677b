"""Graded checks for lab notebooks: a pass/fail line with a hint, never a bare traceback.

A check takes a bool or a zero-argument callable. The callable may return a bool, or
raise ``AssertionError`` with a message saying what was found; any other exception is
shown as one line ("could not check: ...") with the hint. In strict mode
(``LAKEHOUSE_GRADING=strict``, what the test-suite sets for solution notebooks) a failed
check raises :class:`~lakehouse.errors.GradingError` after printing.

Example:
    >>> from lakehouse.grading import Grader
    >>> g = Grader("00_welcome_and_setup")
    >>> g.check("two plus two", lambda: 2 + 2 == 4, hint="arithmetic")
    PASS  [1/1] two plus two
    True
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from .errors import GradingError, LabError


@dataclass(frozen=True)
class Result:
    """The outcome of one check."""

    name: str
    passed: bool
    points: int
    message: str = ""


def strict_mode() -> bool:
    """True when failed checks must raise (``LAKEHOUSE_GRADING=strict``)."""
    return os.environ.get("LAKEHOUSE_GRADING", "").lower() == "strict"


class Grader:
    """Runs a lab's checks and keeps its score.

    Args:
        lab_id: the lab the checks belong to (shown in the summary).
    """

    def __init__(self, lab_id: str):
        self.lab_id = lab_id
        self._results: dict[str, Result] = {}

    def check(self, name: str, test, *, hint: str, points: int = 1, catch_up=None) -> bool:
        """Run one check and print ``PASS``/``FAIL`` with the hint.

        Args:
            name: what is checked, in a few words.
            test: a bool, or a callable returning a bool / raising ``AssertionError("what was found")``.
            hint: what to try when it fails.
            points: points the check is worth.
            catch_up: optional callable run when the check fails (outside strict mode) that builds
                the reference state, so the rest of the lab can go on.

        Returns:
            True when the check passed.

        Raises:
            LabError: bad arguments (the check itself never raises, except in strict mode).
            GradingError: the check failed in strict mode.
        """
        if not isinstance(name, str) or not name:
            raise LabError(f"check name must be a non-empty str, got {name!r}.")
        if not isinstance(hint, str) or not hint:
            raise LabError(f"check {name!r} needs a hint (a non-empty str).")
        if not isinstance(points, int) or points < 0:
            raise LabError(f"points must be a non-negative int, got {points!r}.")
        message = ""
        try:
            outcome = test() if callable(test) else test
            passed = bool(outcome)
        except AssertionError as exc:
            passed, message = False, str(exc)
        except Exception as exc:  # a learner's half-done work: report, never a traceback
            first = (str(exc).strip().splitlines() or [""])[0][:300]
            passed, message = False, f"could not check: {type(exc).__name__}: {first}"
        self._results[name] = Result(name, passed, points if passed else 0, message)
        label = f"[{points if passed else 0}/{points}] {name}"
        if passed:
            print(f"PASS  {label}")
        else:
            print(f"FAIL  {label}" + (f" - {message}" if message else ""))
            print(f"      hint: {hint}")
            if strict_mode():
                raise GradingError(f"check {name!r} of lab {self.lab_id} failed: {message or 'false'}",
                                   fix=hint)
            if catch_up is not None:
                catch_up()
                print("      caught up: the reference answer was applied so the rest of the lab runs.")
        return passed

    @property
    def results(self) -> tuple[Result, ...]:
        return tuple(self._results.values())

    def summary(self) -> str:
        """Print and return the lab's score line."""
        got = sum(r.points for r in self._results.values())
        passed = sum(r.passed for r in self._results.values())
        line = f"{self.lab_id}: {passed}/{len(self._results)} checks passed, {got} points"
        print(line)
        return line


def expect_equal(found, expected, what: str = "value"):
    """A check callable comparing two values, with a message naming both.

    Example:
        >>> Grader("00").check("rows", expect_equal(3, 3, "row count"), hint="count rows")
        PASS  [1/1] rows
        True
    """

    def _test():
        value = found() if callable(found) else found
        assert value == expected, f"{what} is {value!r}, expected {expected!r}"
        return True

    return _test
