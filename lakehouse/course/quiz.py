"""``lakehouse quiz``: a terminal flashcard drill over ``interview_guide/INTERVIEW_GUIDE.md``.

Each ``### `` heading of the guide is a card (``### Q12. ...`` questions, the talking points,
the whiteboard designs), its ``## `` heading the section. The drill asks the cards in random
order, reveals the model answer on Enter, and asks whether you knew it. Misses are kept in
``LAKEHOUSE_HOME/quiz/misses.json`` across runs: they come first next time, ``--misses`` asks
only them, and a card you then know leaves the list.

Example:
    >>> cards = load_cards()
    >>> len([c for c in cards if c.number]) >= 60
    True
    >>> select(cards, section="streaming")[0].section
    'Structured Streaming'

    $ lakehouse quiz --section delta --limit 5
"""

from __future__ import annotations

import json
import random
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from ..errors import LakehouseError
from ..runtime.paths import lakehouse_home
from .terminal_markdown import render, wants_color

GUIDE = Path(__file__).resolve().parents[2] / "interview_guide" / "INTERVIEW_GUIDE.md"


class QuizError(LakehouseError):
    """The guide cannot be read, or the quiz's arguments select nothing."""

    code = "QUIZ_ERROR"


@dataclass(frozen=True)
class Card:
    """One flashcard: a ``### `` heading of the guide and the text under it.

    Attributes:
        key: a stable id (``Q12``, ``W3``, ``T2``), used for the misses file.
        number: the question number, None for talking points and whiteboard designs.
        title: the heading text after the number.
        section: the ``## `` section the card is in.
        answer: the markdown under the heading.
    """

    key: str
    number: int | None
    title: str
    section: str
    answer: str


_HEADING = re.compile(r"^(#{2,3}) (.+?)\s*$")
_KEYED = re.compile(r"^(Q|W)(\d+)\. (.+)$|^Talking point (\d+): (.+)$")


def load_cards(path: str | Path | None = None) -> list[Card]:
    """The cards of the interview guide, in the guide's order.

    Args:
        path: the guide (default ``interview_guide/INTERVIEW_GUIDE.md`` of the repository).

    Returns:
        One :class:`Card` per ``### `` heading that has a ``## `` section above it.

    Raises:
        QuizError: the file does not exist or has no cards.

    Example:
        >>> load_cards()[0].key
        'T1'
    """
    path = Path(path) if path is not None else GUIDE
    if not path.is_file():
        raise QuizError(f"the interview guide {path} does not exist.",
                        fix="run from a clone of the course repository (interview_guide/INTERVIEW_GUIDE.md).")
    cards: list[Card] = []
    section, title, lines = None, None, []

    def flush():
        if section and title:
            cards.append(_card(title, section, "\n".join(lines).strip()))

    for line in path.read_text(encoding="utf-8").splitlines():
        match = _HEADING.match(line)
        if match:
            flush()
            title, lines = (None, []) if match.group(1) == "##" else (match.group(2), [])
            if match.group(1) == "##":
                section = match.group(2)
        elif title:
            lines.append(line)
    flush()
    if not cards:
        raise QuizError(f"{path} has no '### ' question headings.", fix="check the guide's format.")
    return cards


def _card(title: str, section: str, answer: str) -> Card:
    m = _KEYED.match(title)
    if m and m.group(1):
        number = int(m.group(2)) if m.group(1) == "Q" else None
        return Card(f"{m.group(1)}{m.group(2)}", number, m.group(3), section, answer)
    if m:
        return Card(f"T{m.group(4)}", None, m.group(5), section, answer)
    return Card(re.sub(r"\W+", "_", title.lower()).strip("_")[:40], None, title, section, answer)


def select(cards: list[Card], *, section: str | None = None, keys: set[str] | None = None) -> list[Card]:
    """The cards of the sections whose name contains ``section`` (any case) and, if given, in ``keys``.

    Raises:
        QuizError: nothing matches (the message lists the sections).

    Example:
        >>> [c.key for c in select(load_cards(), section="whiteboard")]
        ['W1', 'W2', 'W3', 'W4', 'W5']
    """
    chosen = [c for c in cards if (section is None or section.lower() in c.section.lower())
              and (keys is None or c.key in keys)]
    if not chosen:
        names = ", ".join(dict.fromkeys(c.section for c in cards))
        what = f"section {section!r}" if section else "the selection"
        raise QuizError(f"no card matches {what}" + (" among your misses" if keys is not None else "") + ".",
                        fix=f"use part of a section name: {names}.")
    return chosen


def misses_path() -> Path:
    """Where the misses are kept: ``LAKEHOUSE_HOME/quiz/misses.json``."""
    return lakehouse_home() / "quiz" / "misses.json"


def load_misses() -> dict[str, int]:
    """The missed cards and how often each was missed (empty when there is no file yet)."""
    try:
        data = json.loads(misses_path().read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return {}
    return {str(k): int(v) for k, v in data.items()} if isinstance(data, dict) else {}


def _save_misses(misses: dict[str, int]) -> None:
    path = misses_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(dict(sorted(misses.items())), indent=1), encoding="utf-8")
    tmp.replace(path)


def summary(cards: list[Card]) -> str:
    """What a drill over ``cards`` holds: how many questions, talking points and designs, per section.

    Example:
        >>> print(summary(select(load_cards(), section="whiteboard")))
        5 cards: 5 whiteboard designs, in 1 section: Whiteboard (5).
    """
    kinds = {"Q": "questions", "T": "talking points", "W": "whiteboard designs"}
    counts = {name: sum(c.key[0] == k and c.key[1:].isdigit() for c in cards) for k, name in kinds.items()}
    per_section = {s: sum(c.section == s for c in cards) for s in dict.fromkeys(c.section for c in cards)}
    parts = ", ".join(f"{n} {name}" for name, n in counts.items() if n)
    sections = "; ".join(f"{s} ({n})" for s, n in per_section.items())
    plural = "section" if len(per_section) == 1 else "sections"
    return f"{len(cards)} cards: {parts}, in {len(per_section)} {plural}: {sections}."


def drill(cards: list[Card], *, limit: int | None = None, seed: int | None = None,
          only_misses: bool = False, read=input, write=print, color: bool | None = None) -> tuple[int, int]:
    """Ask ``cards`` in random order (past misses first); returns (known, asked).

    First says what the drill holds (:func:`summary`) and how many it asks; each answer is the
    guide's Markdown rendered for a terminal (:func:`lakehouse.course.terminal_markdown.render`).

    Args:
        cards: the cards to draw from (see :func:`select`).
        limit: ask at most this many.
        seed: a random seed (the same seed, the same order).
        only_misses: ask only cards missed in earlier runs.
        read, write: the prompt and print functions (the terminal by default).
        color: ANSI styles in answers (default: when ``write`` is ``print`` to a terminal, no ``NO_COLOR``).

    Raises:
        QuizError: ``only_misses`` and no card of the selection was missed.
    """
    misses = load_misses()
    if only_misses:
        cards = select(cards, keys=set(misses))
    rng = random.Random(seed)
    order = rng.sample(cards, len(cards))
    order.sort(key=lambda c: c.key not in misses)  # stable: past misses first, each group shuffled
    order = order[:limit] if limit else order
    color = wants_color() if color is None and write is print else bool(color)
    write(render(summary(cards)))
    write(f"Asking {len(order)} of them" + (", past misses first" if any(c.key in misses for c in order) else "")
          + ". Enter shows the answer; then y (knew it) or n; q quits.")
    known = asked = 0
    for i, card in enumerate(order, 1):
        write(f"\n[{i}/{len(order)}] {card.section}\n{card.key}. {card.title}")
        if _ask(read, "  Enter: show the answer, q: quit > ") == "q":
            break
        write("\n" + render(card.answer, color=color) + "\n")
        reply = ""
        while reply not in ("y", "n", "q"):
            reply = _ask(read, "  Did you know it? [y]es / [n]o / [q]uit > ")
        if reply == "q":
            break
        asked += 1
        if reply == "y":
            known += 1
            misses.pop(card.key, None)
        else:
            misses[card.key] = misses.get(card.key, 0) + 1
        _save_misses(misses)
    write(f"\nYou knew {known} of {asked}. {len(misses)} card(s) to review "
          f"(`lakehouse quiz --misses`; kept in {misses_path()}).")
    return known, asked


def _ask(read, prompt: str) -> str:
    try:
        return read(prompt).strip().lower()[:1]
    except EOFError:
        return "q"


def add_commands(subparsers) -> None:
    """Add the ``quiz`` command to the ``lakehouse`` CLI.

    Example:
        >>> import argparse
        >>> parser = argparse.ArgumentParser(prog="lakehouse")
        >>> add_commands(parser.add_subparsers(dest="command"))
        >>> parser.parse_args(["quiz", "--section", "delta"]).section
        'delta'
    """
    p = subparsers.add_parser("quiz", help="flashcards over the interview guide (misses are remembered)",
                              description="Random cards from interview_guide/INTERVIEW_GUIDE.md: Enter shows "
                              "the answer, then y/n. Misses are kept under LAKEHOUSE_HOME/quiz/ and asked first.")
    p.add_argument("--section", help="only sections whose name contains this (e.g. streaming, delta, whiteboard)")
    p.add_argument("--limit", type=int, default=None, help="ask at most this many cards")
    p.add_argument("--misses", action="store_true", help="only the cards you missed before")
    p.add_argument("--seed", type=int, default=None, help="a random seed (same seed, same order)")
    p.add_argument("--guide", default=None, help="another guide file (default: the course's)")
    p.set_defaults(func=_cmd_quiz)


def _cmd_quiz(args) -> int:
    if args.limit is not None and args.limit < 1:
        raise QuizError(f"--limit must be >= 1, got {args.limit}.", fix="e.g. `lakehouse quiz --limit 10`.")
    cards = select(load_cards(args.guide), section=args.section)
    drill(cards, limit=args.limit, seed=args.seed, only_misses=args.misses)
    sys.stdout.flush()
    return 0
