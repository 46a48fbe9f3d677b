"""``lakehouse exam``: the timed practice exam in a terminal (``--plain``: line by line, no TTY needed).

Example:
    >>> import argparse
    >>> parser = argparse.ArgumentParser(prog="lakehouse")
    >>> add_commands(parser.add_subparsers(dest="command"))
    >>> args = parser.parse_args(["exam", "--questions", "10"])
    >>> args.questions, args.minutes
    (10, None)

    $ lakehouse exam --section governance --questions 10
"""

from __future__ import annotations

import sys
import time

from .bank import MINUTES, QUESTIONS, load_bank
from .history import append_run, draw, load_history
from .scoring import record, report, score
from .terminal import Exam, ExamError, check_terminal

def add_commands(subparsers) -> None:
    """Add the ``exam`` command to the ``lakehouse`` CLI."""
    p = subparsers.add_parser(
        "exam", help="a timed practice exam by exam-guide section (scored per section, history kept)",
        description="Questions drawn by the Data Engineer Associate exam guide's section weights (weak "
        "sections of your last run weigh more, past misses come first); the time left on every screen; "
        "flag and return; a score per section against the guide's pass line and every miss explained. "
        "History: LAKEHOUSE_HOME/exam/history.json.")
    p.add_argument("--section", help="only this section (its key or part of its title, e.g. governance)")
    p.add_argument("--questions", type=int, default=None, help=f"how many questions (default {QUESTIONS})")
    p.add_argument("--minutes", type=float, default=None,
                   help=f"time allowed (default {MINUTES} for {QUESTIONS} questions: 2 minutes a question)")
    p.add_argument("--plain", action="store_true", help="no terminal needed: prompts and answers line by line")
    p.add_argument("--seed", type=int, default=None, help="a random seed (same seed and history, same exam)")
    p.set_defaults(func=_cmd_exam)


def _cmd_exam(args) -> int:
    bank = load_bank()
    questions = QUESTIONS if args.questions is None else args.questions
    if questions < 1:
        raise ExamError(f"--questions must be >= 1, got {questions}.", fix="e.g. `lakehouse exam --questions 20`.")
    minutes = args.minutes if args.minutes is not None else questions * MINUTES / QUESTIONS
    if minutes <= 0:
        raise ExamError(f"--minutes must be > 0, got {minutes:g}.", fix="e.g. `lakehouse exam --minutes 30`.")
    sections = bank.sections_matching(args.section) if args.section else None
    check_terminal(args.plain)
    items = draw(bank, questions, seed=args.seed, sections=sections, history=load_history())
    print(f"Practice exam: {len(items)} questions, {minutes:g} minutes, pass line {bank.pass_percent}%.")
    started = time.time()
    outcome = Exam(items, minutes=minutes, section_titles={k: s.title for k, s in bank.sections.items()}).run()
    result = score(bank, items, outcome.answers)
    print(report(bank, result, timed_out=outcome.timed_out))
    path = append_run(record(bank, result, started=started, minutes=minutes, timed_out=outcome.timed_out,
                             section=args.section))
    from ..scoreboard import refresh_page

    page = refresh_page()
    print(f"\nKept in {path}; the next run weights your weak sections and asks your misses first.")
    print(f"Scoreboard with your exam history: {page}")
    sys.stdout.flush()
    return 0
