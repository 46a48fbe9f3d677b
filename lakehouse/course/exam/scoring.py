"""Score an exam run per exam-guide section, against the guide's pass line, and explain every miss.

A question counts as right when the chosen options are exactly the correct ones (a
multiple-select question has no partial credit); an unanswered question is a miss.

Example:
    >>> from lakehouse.course.exam.bank import load_bank
    >>> bank = load_bank()
    >>> item = bank.items[0]
    >>> result = score(bank, [item], {0: set(item.answer)})
    >>> result.percent, result.passed
    (100, True)
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from ..catalog import LABS
from .bank import Bank, Item


@dataclass
class Result:
    """The score of one run: per section ``(right, asked)``, the total, the pass line, the misses."""

    sections: dict[str, tuple[int, int]]
    right: int
    asked: int
    pass_percent: int
    missed: list[tuple[Item, set[str]]] = field(default_factory=list)
    right_ids: list[str] = field(default_factory=list)

    @property
    def percent(self) -> int:
        """The total score in percent (rounded down)."""
        return 100 * self.right // self.asked if self.asked else 0

    @property
    def passed(self) -> bool:
        """At or above the exam guide's pass line."""
        return self.percent >= self.pass_percent


def score(bank: Bank, items: list[Item], answers: dict[int, set[str]]) -> Result:
    """Score ``answers`` (question index -> chosen option ids) for the questions ``items``.

    Returns:
        A :class:`Result`, sections in the bank's order.
    """
    sections: dict[str, list[int]] = {k: [0, 0] for k in bank.sections if any(i.section == k for i in items)}
    result = Result({}, 0, len(items), bank.pass_percent)
    for index, item in enumerate(items):
        chosen = set(answers.get(index, set()))
        sections[item.section][1] += 1
        if chosen == set(item.answer):
            sections[item.section][0] += 1
            result.right += 1
            result.right_ids.append(item.id)
        else:
            result.missed.append((item, chosen))
    result.sections = {k: (v[0], v[1]) for k, v in sections.items()}
    return result


def report(bank: Bank, result: Result, *, timed_out: bool = False) -> str:
    """The text shown at the end: the table per section, pass or not, then every miss explained.

    Example:
        >>> from lakehouse.course.exam.bank import load_bank
        >>> bank = load_bank()
        >>> "Pass line" in report(bank, score(bank, bank.items[:3], {}))
        True
    """
    lines = ["", "Time is up: unanswered questions count as misses." if timed_out else "Exam submitted.", "",
             f"{'Section':<46} {'Right':>7} {'Score':>6}"]
    for key, (right, asked) in result.sections.items():
        pct = 100 * right // asked if asked else 0
        lines.append(f"{bank.sections[key].title:<46} {right:>3}/{asked:<3} {pct:>5}%")
    verdict = "PASS" if result.passed else "FAIL"
    lines += [f"{'Total':<46} {result.right:>3}/{result.asked:<3} {result.percent:>5}%",
              f"Pass line {result.pass_percent}% (the exam guide): {verdict}", ""]
    if result.missed:
        lines.append(f"Your {len(result.missed)} miss(es), explained:")
    for item, chosen in result.missed:
        lines += ["", f"- [{bank.sections[item.section].title}] {item.id}: {_first_line(item.stem)}",
                  f"  your answer: {', '.join(sorted(chosen)) or '(none)'}; correct: {', '.join(sorted(item.answer))}"]
        for option in item.options:
            mark = "*" if option.id in item.answer else ("x" if option.id in chosen else " ")
            lines.append(f"  {mark} {option.id}. {_first_line(option.text)}")
            lines.append(f"      {option.why}")
        lines.append(f"  lab: labs/{item.lab}_{LABS[item.lab]}.ipynb   doc: {item.doc}")
    return "\n".join(lines)


def record(bank: Bank, result: Result, *, started: float, minutes: float, timed_out: bool,
           section: str | None) -> dict:
    """The history record of a run (see :mod:`lakehouse.course.exam.history`)."""
    return {"started": time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(started)),
            "seconds": round(time.time() - started), "minutes": minutes, "section": section,
            "timed_out": timed_out, "right": result.right_ids, "missed": [i.id for i, _ in result.missed],
            "score": result.percent, "passed": result.passed, "pass_percent": result.pass_percent,
            "sections": {k: list(v) for k, v in result.sections.items()}}


def _first_line(text: str) -> str:
    """The question's line: the last line that asks (ends with '?'), else the first line, shortened."""
    lines = [ln.strip() for ln in text.strip().splitlines() if ln.strip()] or [""]
    asks = [ln for ln in lines if ln.endswith("?")]
    line = asks[-1] if asks else lines[0]
    return line if len(line) <= 110 else line[:107] + "..."
