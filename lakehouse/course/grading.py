"""Graded checks for lab notebooks: PASS/FAIL with a nudge, the full answer only on request.

A lab's checks live in the package (one module per lab, :mod:`lakehouse.course.labs`), never in
the notebook, so no answer is readable under a TODO. A check cell is one short call::

    crm_stream = ctx.check("crm_stream", crm_stream)   # a TODO's variable: returns it (or the reference)
    ctx.check("bronze_crm")                            # a state check: returns None, prints one line

Hints come in steps: a FAIL prints a **nudge** (the concept, the option or function to look
at, a documentation link) — never the answer; ``ctx.answer("crm_stream")`` (or ``ctx.answer(1)``
for TODO 1) prints the full answer when asked. A TODO left unanswered (its variable still
``None``) fails with "crm_stream is not set yet". After a FAIL the check's **catch-up** builds
the reference state, so the rest of the lab runs; the check returns the reference value.
``ctx.summary()`` prints the score once, with the failed checks by name and their nudges.

Points go to **exercises** (checks with a TODO number, 1 point unless set); a check of a demo
cell is a **checkpoint** (0 points: it tells the learner the lab's state is in order), so a lab
left untouched scores 0. A check may name the earlier checks it builds on (``requires``): when it
fails after one of them failed, it says to fix that one first (a prerequisite note, the way
Databricks Academy's validation suites do).

With ``LAKEHOUSE_GRADES_DIR`` set (what ``lakehouse grade`` does), every check run also writes
the lab's results to ``<dir>/<lab_id>.json`` (:meth:`Grader.record`), read by
:mod:`lakehouse.course.scoreboard`.

In strict mode (``LAKEHOUSE_GRADING=strict``, what the test-suite sets for solution notebooks)
a failed check raises :class:`~lakehouse.errors.GradingError` after printing.

Example:
    >>> from lakehouse.course.grading import Check, Grader
    >>> four = Check("four", "two plus two is four", test=lambda ctx, value: value == 4,
    ...              nudge="add the two numbers", answer="four = 2 + 2", todo=1)
    >>> g = Grader("00_welcome_and_setup", [four])
    >>> g.run("four", None, 4)
    PASS  [1/1] four: two plus two is four
    4
    >>> g.summary()
    00_welcome_and_setup: 1/1 checks passed, 1/1 points.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from .blocks import WIDTH
from .errors import GradingError, LabError

UNSET = object()  # ctx.check("name") with no value: a state check


class NotAnswered(AssertionError):
    """Raised by a check's test when the learner's answer is not there yet (e.g. a function returned None)."""


@dataclass(frozen=True)
class Check:
    """One graded check of a lab: what it tests, the nudge, the full answer and the catch-up.

    Args:
        name: the name the notebook passes to ``ctx.check`` — the TODO's variable, or the table checked.
        title: what is checked, in a few words (printed after PASS/FAIL).
        test: ``test(ctx, value, **given)``; returns a bool, or raises ``AssertionError("what was
            found")``. ``value`` is what the notebook passed (``UNSET`` for a state check).
        nudge: the next step when it fails: the concept, the option or function name — not the answer.
        doc: a documentation link for the nudge (Databricks docs where there is one).
        answer: the reference answer, printed only by ``ctx.answer(...)``: for an exercise a function
            whose body is the answer (or a :class:`~lakehouse.course.answers.FileAnswer` or
            :class:`~lakehouse.course.answers.SqlAnswer`), which
            then is the catch-up too (:mod:`lakehouse.course.answers`); a plain string otherwise.
        catch_up: ``catch_up(ctx, value, **given)`` builds the reference state after a FAIL and
            returns the reference value (or None for a state check); not given with a reference
            function, which is its own catch-up.
        todo: the TODO number in the notebook (``ctx.answer(n)``), None for a check of a demo cell.
        variable: True when the check grades a value the learner sets (None then means "not set yet").
        points: what the check is worth; default 1 for an exercise (``todo`` set), 0 for a
            checkpoint of a demo cell.
        requires: names of earlier checks this one builds on; after a FAIL of one of them, this
            check's FAIL says to fix that one first.
    """

    name: str
    title: str
    test: Callable[..., Any]
    nudge: str
    doc: str = ""
    answer: str = ""
    catch_up: Callable[..., Any] | None = None
    todo: int | None = None
    variable: bool = True
    points: int | None = None
    requires: tuple[str, ...] = ()
    reference: Any = field(default=None, init=False, compare=False)

    def __post_init__(self):
        if not isinstance(self.answer, str):
            from .answers import reference

            ref = reference(self.answer)
            if self.catch_up is not None:
                raise LabError(f"check {self.name!r}: a reference answer is its own catch-up; drop catch_up=.")
            object.__setattr__(self, "reference", ref)
            object.__setattr__(self, "answer", ref.text)
            object.__setattr__(self, "catch_up", ref.run)
        if self.points is None:
            object.__setattr__(self, "points", 0 if self.todo is None else 1)
        if isinstance(self.requires, str) or not all(isinstance(r, str) for r in self.requires):
            raise LabError(f"check {self.name!r}: requires must be a tuple of check names, got {self.requires!r}.")
        object.__setattr__(self, "requires", tuple(self.requires))
        for what in ("name", "title", "nudge"):
            if not isinstance(getattr(self, what), str) or not getattr(self, what):
                raise LabError(f"check {self.name!r}: {what} must be a non-empty str.")
        if not callable(self.test):
            raise LabError(f"check {self.name!r}: test must be callable, got {type(self.test).__name__}.")
        if not isinstance(self.points, int) or self.points < 0:
            raise LabError(f"check {self.name!r}: points must be a non-negative int, got {self.points!r}.")


@dataclass(frozen=True)
class Result:
    """The outcome of one check."""

    name: str
    passed: bool
    points: int
    message: str = ""

    def as_dict(self, check: "Check") -> dict:
        """The result as the scoreboard's JSON row (``status`` pass / fail)."""
        return {"name": self.name, "todo": check.todo, "title": check.title, "points": self.points,
                "max_points": check.points, "status": "pass" if self.passed else "fail",
                "message": self.message}


def strict_mode() -> bool:
    """True when failed checks must raise (``LAKEHOUSE_GRADING=strict``)."""
    return os.environ.get("LAKEHOUSE_GRADING", "").lower() == "strict"


def assert_equal(found, expected, what: str = "value") -> bool:
    """A check's assertion: ``found == expected``, else ``AssertionError`` naming both.

    Example:
        >>> assert_equal(3, 3, "row count")
        True
        >>> assert_equal(2, 3, "row count")
        Traceback (most recent call last):
        AssertionError: row count is 2, expected 3
    """
    return expect(found == expected, f"{what} is {found!r}, expected {expected!r}")


def expect(condition, message: str) -> bool:
    """A check's assertion: ``AssertionError(message)`` unless ``condition`` (kept under ``python -O``).

    Example:
        >>> expect(1 < 2, "one is not below two")
        True
    """
    if not condition:
        raise AssertionError(message)
    return True




def wrap(text: str, label: str) -> str:
    """``label`` + ``text`` wrapped at :data:`~lakehouse.course.blocks.WIDTH` characters, indented under the text.

    Example:
        >>> print(wrap("look up the option cloudFiles.schemaLocation " * 3, "nudge: "))
        nudge: look up the option cloudFiles.schemaLocation look up the option cloudFiles.schemaLocation
               look up the option cloudFiles.schemaLocation
    """
    import textwrap

    return textwrap.fill(text, WIDTH, initial_indent=label, subsequent_indent=" " * len(label),
                         break_long_words=False, break_on_hyphens=False)


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [""])[0][:300]


@dataclass
class Grader:
    """Runs a lab's checks and keeps its score (one :class:`Result` per check name, the last run wins).

    Args:
        lab_id: the lab the checks belong to (shown in the summary).
        checks: the lab's :class:`Check` list (see :mod:`lakehouse.course.labs`).

    Raises:
        LabError: two checks with one name, or two with one TODO number.
    """

    lab_id: str
    checks: list[Check] = field(default_factory=list)
    _results: dict[str, Result] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self):
        names = [c.name for c in self.checks]
        todos = [c.todo for c in self.checks if c.todo is not None]
        if len(set(names)) != len(names) or len(set(todos)) != len(todos):
            raise LabError(f"lab {self.lab_id}: check names and TODO numbers must be unique, got {names} / {todos}.")
        self._by_name = {c.name: c for c in self.checks}
        for i, check in enumerate(self.checks):
            earlier = {c.name for c in self.checks[:i]}
            unknown = [r for r in check.requires if r not in earlier]
            if unknown:
                raise LabError(f"lab {self.lab_id}: check {check.name!r} requires {unknown}, "
                               "which are not earlier checks of the lab.",
                               fix="list in requires only names of checks that come before it.")

    def find(self, key: str | int) -> Check:
        """The check named ``key``, or of TODO number ``key``.

        Raises:
            LabError: no such check (the message lists the lab's checks).
        """
        found = (self._by_name.get(key) if isinstance(key, str)
                 else next((c for c in self.checks if c.todo == key), None) if isinstance(key, int) else None)
        if found is None:
            known = ", ".join(c.name for c in self.checks) or "none"
            raise LabError(f"lab {self.lab_id} has no check {key!r}.", fix=f"use one of: {known}.")
        return found

    def run(self, key: str | int, ctx, value=UNSET, **given):
        """Run one check; print one PASS line, or FAIL with the nudge (then catch up).

        Returns:
            ``value`` when it passed; after a FAIL the catch-up's reference value (or ``value``
            when the check has no catch-up); None for a state check.

        Raises:
            LabError: unknown check.
            GradingError: the check failed in strict mode.
        """
        check = self.find(key)
        state_check = value is UNSET
        message = ""
        try:
            if check.variable and (state_check or value is None):
                raise NotAnswered(f"{check.name} is not set yet")
            passed = check.test(ctx, value, **given) is not False
        except NotAnswered as exc:
            passed, message = False, str(exc) or f"{check.name} is not set yet"
        except AssertionError as exc:
            passed, message = False, str(exc)
        except Exception as exc:  # half-done work: one line, never a traceback
            passed, message = False, f"could not check: {type(exc).__name__}: {_first_line(exc)}"
        got = check.points if passed else 0
        self._results[check.name] = Result(check.name, passed, got, message)
        label = f"[{got}/{check.points}] {check.name}: {check.title}"
        if passed:
            print(f"PASS  {label}")
            self.record()
            return None if state_check else value
        print(f"FAIL  {label}" + (f" - {message}" if message else ""))
        print(wrap(check.nudge, "      nudge: "))
        if check.doc:
            print(f"      docs:  {check.doc}")
        self._prerequisite_note(check)
        self.record()
        if strict_mode():
            raise GradingError(f"check {check.name!r} of lab {self.lab_id} failed: {message or 'false'}",
                               fix=check.nudge)
        if check.catch_up is None:
            return None if state_check else value
        reference = check.catch_up(ctx, None if state_check else value, **given)
        ask = f'ctx.answer("{check.name}")' if check.answer else ""
        print(wrap("the reference state is in place so the lab goes on"
                   + (f"; {ask} shows the answer." if ask else "."), "      caught up: "))
        return None if state_check else reference

    def _prerequisite_note(self, check: Check) -> None:
        failed = [r for r in check.requires if r in self._results and not self._results[r].passed]
        not_run = [r for r in check.requires if r not in self._results]
        for name in failed:
            todo = self._by_name[name].todo
            print(f"      first: {name}" + (f" (TODO {todo})" if todo else "")
                  + " failed earlier and this step builds on it; fix that one first.")
        if not_run:
            print(f"      first: run the cells of {', '.join(not_run)} above; this step builds on them.")

    def report(self) -> dict:
        """The lab's results as a dict: every check in notebook order, ``status`` pass / fail / not_run.

        Returns:
            ``{"lab": id, "points": int, "max_points": int, "checks": [{"name", "todo", "title",
            "points", "max_points", "status", "message"}, ...]}``; ``max_points`` counts every
            check of the lab, run or not.

        Example:
            >>> g = Grader("00_welcome_and_setup", [Check("four", "four", lambda ctx, v: v == 4,
            ...                                     nudge="add", todo=1)])
            >>> g.report()["checks"][0]["status"], g.report()["max_points"]
            ('not_run', 1)
        """
        rows = []
        for check in self.checks:
            result = self._results.get(check.name)
            rows.append(result.as_dict(check) if result else
                        {"name": check.name, "todo": check.todo, "title": check.title, "points": 0,
                         "max_points": check.points, "status": "not_run", "message": ""})
        return {"lab": self.lab_id, "points": sum(r["points"] for r in rows),
                "max_points": sum(c.points for c in self.checks), "checks": rows}

    def record(self) -> Path | None:
        """Write :meth:`report` to ``$LAKEHOUSE_GRADES_DIR/<lab_id>.json`` when that variable is set.

        Returns:
            The file written, or None (variable not set).
        """
        folder = os.environ.get("LAKEHOUSE_GRADES_DIR")
        if not folder:
            return None
        target = Path(folder) / f"{self.lab_id}.json"
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(self.report(), indent=1))
        tmp.replace(target)
        return target

    def answer(self, key: str | int) -> None:
        """Print the full reference answer of one check (a TODO's name or number)."""
        check = self.find(key)
        if not check.answer:
            print(f"{check.name}: this check has no code to write; {check.nudge}")
            return
        print(f"# The reference answer for {check.name}" + (f" (TODO {check.todo})" if check.todo else ""))
        print(check.answer)

    @property
    def results(self) -> tuple[Result, ...]:
        return tuple(self._results.values())

    def summary(self) -> None:
        """Print the lab's score once: checks passed, points, and each failed check with its nudge."""
        got = sum(r.points for r in self._results.values())
        total = sum(self._by_name[n].points if n in self._by_name else r.points for n, r in self._results.items())
        passed = sum(r.passed for r in self._results.values())
        print(f"{self.lab_id}: {passed}/{len(self._results)} checks passed, {got}/{total} points.")
        failed = [r for r in self._results.values() if not r.passed]
        not_run = [c.name for c in self.checks if c.name not in self._results]
        if failed:
            print("Failed (the reference state was used instead; ctx.answer(name) shows an answer):")
            for r in failed:
                check = self._by_name[r.name]
                print(f"  - {r.name}: {r.message or check.title}")
                print(wrap(check.nudge + (f" ({check.doc})" if check.doc else ""), "    nudge: "))
        if not_run:
            print("Not run yet: " + ", ".join(not_run))
