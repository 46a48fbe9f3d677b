"""Past exam runs under ``LAKEHOUSE_HOME/exam/history.json``, and the draw that weights weak sections.

Each finished run appends one record: when, how long, the score per section, the ids missed.
The next draw (:func:`draw`) gives every section its exam-guide share of the questions, scaled
up by how badly the section went in the last run, and asks past misses first, then questions
never asked, then the rest (the quiz's "misses first", ``lakehouse quiz``).

Example:
    >>> from lakehouse.course.exam.bank import load_bank
    >>> picked = draw(load_bank(), 45, seed=1, history=[])
    >>> len(picked), len({i.id for i in picked})
    (45, 45)
"""

from __future__ import annotations

import json
import random
from pathlib import Path

from ...runtime.paths import lakehouse_home
from .bank import Bank, Item


def history_path() -> Path:
    """``LAKEHOUSE_HOME/exam/history.json``."""
    return lakehouse_home() / "exam" / "history.json"


def load_history(path: Path | None = None) -> list[dict]:
    """The recorded runs, oldest first (empty when there is none or the file is unreadable)."""
    try:
        data = json.loads((path or history_path()).read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return []
    return [r for r in data if isinstance(r, dict)] if isinstance(data, list) else []


def append_run(record: dict, path: Path | None = None) -> Path:
    """Add one run's record to the history file (written atomically); returns the file."""
    path = path or history_path()
    runs = load_history(path) + [record]
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(runs, indent=1), encoding="utf-8")
    tmp.replace(path)
    return path


def open_misses(history: list[dict]) -> set[str]:
    """Ids missed in some run and not answered right in a later one."""
    misses: set[str] = set()
    for run in history:
        misses -= set(run.get("right", []))
        misses |= set(run.get("missed", []))
    return misses


def section_shares(bank: Bank, history: list[dict], sections: list[str]) -> dict[str, float]:
    """Each section's share of the draw: its exam-guide weight x (2 - its score in the last run)."""
    last = history[-1].get("sections", {}) if history else {}
    shares = {}
    for key in sections:
        right, asked = last.get(key, (0, 0))
        factor = 2 - right / asked if asked else 1.0
        shares[key] = bank.sections[key].weight * factor
    total = sum(shares.values())
    return {k: v / total for k, v in shares.items()}


def draw(bank: Bank, n: int, *, seed: int | None = None, sections: list[str] | None = None,
         history: list[dict] | None = None) -> list[Item]:
    """Pick ``n`` questions: per-section counts by :func:`section_shares`, misses first in each.

    Args:
        bank: the bank.
        n: how many questions (capped by the items available).
        seed: the same seed and history give the same questions in the same order.
        sections: only these section keys (default: all).
        history: past runs (default: :func:`load_history`).

    Returns:
        The questions, shuffled across sections.
    """
    history = load_history() if history is None else history
    sections = sections or list(bank.sections)
    rng = random.Random(seed)
    pool = {k: [i for i in bank.items if i.section == k] for k in sections}
    pool = {k: v for k, v in pool.items() if v}
    n = min(n, sum(len(v) for v in pool.values()))
    shares = section_shares(bank, history, list(pool))
    counts = {k: min(len(pool[k]), int(n * s)) for k, s in shares.items()}
    # hand out the remainder by the largest fractional part, where items are left
    order = sorted(pool, key=lambda k: n * shares[k] - int(n * shares[k]), reverse=True)
    while sum(counts.values()) < n:
        for k in order:
            if sum(counts.values()) < n and counts[k] < len(pool[k]):
                counts[k] += 1
    misses = open_misses(history)
    asked = {i for run in history for i in run.get("right", []) + run.get("missed", [])}
    picked: list[Item] = []
    for k in pool:
        items = rng.sample(pool[k], len(pool[k]))
        items.sort(key=lambda i: 0 if i.id in misses else 1 if i.id not in asked else 2)
        picked += items[:counts[k]]
    rng.shuffle(picked)
    return picked
