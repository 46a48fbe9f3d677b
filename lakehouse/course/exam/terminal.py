"""The timed exam in a terminal: one question at a time, the time left on every screen, flag and return.

Commands at the prompt: an answer (``B``, or ``A,C`` for a multiple-select question) records it
and moves on; ``f`` flags or unflags the question; ``n`` / ``p`` next and previous; ``g 12`` goes
to question 12; ``r`` reviews (answered, flagged, open); ``s`` submits (asks first when
questions are open or flagged). When the time is up the exam ends where it is, and what is
unanswered counts as a miss. The prompt waits with a deadline (``select``), so the time-out
comes even while nobody types.

Example:
    >>> lines = iter(["B", "s", "y"])
    >>> from lakehouse.course.exam.bank import load_bank
    >>> item = load_bank().items[0]
    >>> exam = Exam([item], minutes=1, read=lambda prompt, timeout: next(lines), write=lambda text: None)
    >>> exam.run().answers
    {0: {'B'}}
"""

from __future__ import annotations

import os
import re
import select
import shutil
import sys
import time
from dataclasses import dataclass, field

from .bank import ExamError, Item

MIN_COLUMNS, MIN_ROWS = 70, 20
HELP = "answer (B or A,C)  f flag  n next  p back  g N go to  r review  s submit"


@dataclass
class Outcome:
    """What a run ended with: answers (question index -> option ids), flags, whether time ran out."""

    answers: dict[int, set[str]] = field(default_factory=dict)
    flagged: set[int] = field(default_factory=set)
    timed_out: bool = False


def check_terminal(plain: bool, stdin=None, stdout=None) -> None:
    """Refuse a non-interactive or too small terminal (``--plain`` skips both checks).

    Raises:
        ExamError: stdin/stdout is not a terminal, or it is smaller than 70x20.
    """
    if plain:
        return
    stdin, stdout = stdin or sys.stdin, stdout or sys.stdout
    if not (stdin.isatty() and stdout.isatty()):
        raise ExamError("`lakehouse exam` needs an interactive terminal (stdin and stdout are not a TTY).",
                        fix="run it in a terminal, or add --plain to read answers line by line from stdin.")
    try:  # the terminal's own size: COLUMNS/LINES in the environment may describe another one
        size = os.get_terminal_size(stdout.fileno())
    except (OSError, ValueError, AttributeError):
        size = shutil.get_terminal_size((0, 0))
    if size.columns < MIN_COLUMNS or size.lines < MIN_ROWS:
        raise ExamError(f"the terminal is {size.columns}x{size.lines}; the exam needs at least "
                        f"{MIN_COLUMNS}x{MIN_ROWS} to show a question with its options.",
                        fix="enlarge the window (or use --plain).")


def read_line(prompt: str, timeout: float) -> str | None:
    """Print ``prompt`` and read a line from stdin; None when ``timeout`` seconds pass first.

    Raises:
        EOFError: stdin is closed.
    """
    sys.stdout.write(prompt)
    sys.stdout.flush()
    ready, _, _ = select.select([sys.stdin], [], [], max(timeout, 0))
    if not ready:
        return None
    line = sys.stdin.readline()
    if line == "":
        raise EOFError
    return line.rstrip("\n")


def clock(seconds: float) -> str:
    """``mm:ss`` (``h:mm:ss`` from an hour on).

    Example:
        >>> clock(5399), clock(61)
        ('1:29:59', '01:01')
    """
    seconds = max(0, int(seconds))
    h, rest = divmod(seconds, 3600)
    return f"{h}:{rest // 60:02d}:{rest % 60:02d}" if h else f"{rest // 60:02d}:{rest % 60:02d}"


class Exam:
    """A timed run over ``items`` (see the module docstring for the commands).

    Args:
        items: the questions, in order.
        minutes: the time allowed.
        read: ``read(prompt, timeout_seconds) -> line or None`` (None: the time is up).
        write: prints a block of text.
        now: the clock (seconds).
    """

    def __init__(self, items: list[Item], *, minutes: float, read=read_line, write=print, now=time.monotonic,
                 section_titles: dict[str, str] | None = None):
        self.items, self.read, self.write, self.now = items, read, write, now
        self.deadline = now() + minutes * 60
        self.titles = section_titles or {}
        self.state = Outcome()

    def left(self) -> float:
        """Seconds left."""
        return self.deadline - self.now()

    def run(self) -> Outcome:
        """Ask until submitted, the time is up, or stdin closes; returns the :class:`Outcome`."""
        current = 0
        while True:
            if self.left() <= 0:
                self.state.timed_out = True
                break
            self.show(current)
            reply = self._ask(f"[{clock(self.left())} left] {HELP}\n> ")
            if reply is None:
                break
            command = reply.strip().lower()
            if command in ("s", "submit"):
                if self._confirm_submit():
                    break
            elif command == "f":
                self.state.flagged ^= {current}
                self.write(f"Question {current + 1} {'flagged' if current in self.state.flagged else 'unflagged'}.")
            elif command in ("n", ""):
                current = min(current + 1, len(self.items) - 1)
            elif command == "p":
                current = max(current - 1, 0)
            elif command == "r":
                self.write(self.review())
            elif re.fullmatch(r"g\s*\d+", command):
                target = int(command[1:]) - 1
                if 0 <= target < len(self.items):
                    current = target
                else:
                    self.write(f"There is no question {target + 1} (1-{len(self.items)}).")
            else:
                chosen = self._parse(current, reply)
                if chosen is not None:
                    self.state.answers[current] = chosen
                    if current == len(self.items) - 1:
                        self.write(self.review())
                    else:
                        current += 1
        return self.state

    def _ask(self, prompt: str) -> str | None:
        try:
            reply = self.read(prompt, self.left())
        except EOFError:
            self.write("\n(stdin closed: the exam is submitted as it is)")
            return None
        if reply is None or self.left() <= 0:
            self.state.timed_out = True
            self.write("\nTime is up.")
            return None
        return reply

    def _confirm_submit(self) -> bool:
        open_ = [i + 1 for i in range(len(self.items)) if i not in self.state.answers]
        flagged = sorted(i + 1 for i in self.state.flagged)
        if not open_ and not flagged:
            return True
        self.write(f"{len(open_)} unanswered, {len(flagged)} flagged"
                   + (f" (flagged: {', '.join(map(str, flagged))})" if flagged else "") + ".")
        reply = self._ask("Submit now? [y/n] > ")
        return reply is None or reply.strip().lower().startswith("y")

    def _parse(self, current: int, reply: str) -> set[str] | None:
        item = self.items[current]
        letters = set(re.findall(r"[a-z]", reply.lower()))
        ids = {o.id for o in item.options}
        chosen = {c.upper() for c in letters}
        if not chosen or not chosen <= ids or re.search(r"[^a-eA-E,\s]", reply):
            self.write(f"'{reply.strip()}' is not a command or an answer. {HELP}")
            return None
        if len(chosen) != len(item.answer):
            self.write(f"Choose {len(item.answer)} option(s) for this question.")
            return None
        return chosen

    def show(self, index: int) -> None:
        """Print question ``index``: header with the time left, stem, options, your answer."""
        item = self.items[index]
        answered = len(self.state.answers)
        flag = "  [flagged]" if index in self.state.flagged else ""
        many = f"  (choose {len(item.answer)})" if len(item.answer) > 1 else ""
        chosen = self.state.answers.get(index)
        lines = ["", "-" * 70,
                 f"Question {index + 1}/{len(self.items)}  {self.titles.get(item.section, item.section)}{flag}",
                 f"Time left {clock(self.left())}   answered {answered}/{len(self.items)}", "",
                 item.stem + many, ""]
        lines += [f"  {o.id}. {o.text}" for o in item.options]
        if chosen:
            lines += ["", f"Your answer: {', '.join(sorted(chosen))}"]
        self.write("\n".join(lines))

    def review(self) -> str:
        """One line per question: answered or open, flagged."""
        rows = [f"Review ({clock(self.left())} left):"]
        for i, _ in enumerate(self.items):
            answer = ",".join(sorted(self.state.answers.get(i, ()))) or "-"
            rows.append(f"  {i + 1:>3}  {answer:<5}{'  flagged' if i in self.state.flagged else ''}")
        rows.append("g N to go back to a question, s to submit.")
        return "\n".join(rows)
