"""The timed practice exam in a notebook cell (ipywidgets): the same draw, clock, flags and score as
``lakehouse exam``, with buttons instead of a prompt.

One question at a time: the options as radio buttons (check boxes when a question has several
answers), **Back** / **Next**, **Flag**, a **Go to** list that marks answered and flagged
questions, and **Submit** (which asks again while questions are open or flagged). The time left
shows above the question and counts down by itself; when it reaches zero the exam is submitted as
it is, and what is unanswered counts as a miss. The end shows the score per exam-guide section
against the guide's pass line and explains every miss with its lab and doc page; the run joins
``LAKEHOUSE_HOME/exam/history.json`` and the scoreboard page, as in the terminal.

Example:
    >>> from lakehouse.course.exam.notebook import exam          # doctest: +SKIP
    >>> exam(questions=20, section="governance")                 # doctest: +SKIP
"""

from __future__ import annotations

import html
import threading
import time

from .bank import MINUTES, QUESTIONS, Bank, ExamError, load_bank
from .history import append_run, draw, load_history
from .scoring import Result, record, report, score
from .terminal import Outcome, clock

class NotebookExam:
    """A timed run over a drawn set of questions, shown as ipywidgets (see the module docstring).

    Args:
        bank: the question bank.
        items: the questions, in order (from :func:`lakehouse.course.exam.history.draw`).
        minutes: the time allowed.
        section: the section filter the run was drawn with (kept in the history).
        now: the clock in seconds (tests pass their own).
        live: count down in a background thread (tests call :meth:`tick` themselves).

    Example:
        >>> from lakehouse.course.exam.bank import load_bank
        >>> bank = load_bank()
        >>> run = NotebookExam(bank, bank.items[:2], minutes=4, live=False, keep=False)
        >>> run.choose({"B"}); run.flag(); run.go(1)
        >>> run.header.value.startswith("<b>Question 2/2</b>")
        True
    """

    def __init__(self, bank: Bank, items: list, *, minutes: float, section: str | None = None,
                 now=time.monotonic, live: bool = True, keep: bool = True):
        import ipywidgets as w

        self.bank, self.items, self.section, self.minutes, self.now, self.keep = bank, items, section, minutes, now, keep
        self.deadline = now() + minutes * 60
        self.started = time.time()
        self.state = Outcome()
        self.current = 0
        self.result: Result | None = None
        self._confirming = False
        self._displayed = False
        self._redrawing = False
        self._lock = threading.Lock()
        self.titles = {k: s.title for k, s in bank.sections.items()}
        self.header, self.clock_line = w.HTML(), w.HTML()
        self.stem = w.HTML()
        self.choices = w.VBox()
        self.message = w.HTML()
        self.back, self.next = w.Button(description="Back"), w.Button(description="Next")
        self.flag_button = w.Button(description="Flag")
        self.submit_button = w.Button(description="Submit", button_style="primary")
        self.goto = w.Dropdown(description="Go to", layout=w.Layout(width="240px"))
        self.report = w.HTML()
        self.back.on_click(lambda _: self.go(self.current - 1))
        self.next.on_click(lambda _: self.go(self.current + 1))
        self.flag_button.on_click(lambda _: self.flag())
        self.submit_button.on_click(lambda _: self.submit())
        self.goto.observe(self._went_to, "value")
        self.ui = w.VBox([self.header, self.clock_line, self.stem, self.choices, self.message,
                          w.HBox([self.back, self.next, self.flag_button, self.goto, self.submit_button]),
                          self.report])
        self._show()
        if live:
            threading.Thread(target=self._count_down, daemon=True, name="exam-clock").start()

    def _ipython_display_(self) -> None:
        """Shown once: :func:`exam` displays the widgets; the cell's value shows nothing more."""
        if not self._displayed:
            from IPython.display import display

            self._displayed = True
            display(self.ui)

    # -- what a learner does -------------------------------------------------------------------------
    def choose(self, option_ids: set[str]) -> None:
        """Record the answer to the current question (what the radio buttons / check boxes do)."""
        if self.result is not None:
            return
        if option_ids:
            self.state.answers[self.current] = set(option_ids)
        else:
            self.state.answers.pop(self.current, None)
        self._confirming = False
        self._refresh_status()

    def flag(self) -> None:
        """Flag or unflag the current question."""
        if self.result is None:
            self.state.flagged ^= {self.current}
            self._show()

    def go(self, index: int) -> None:
        """Show question ``index`` (0-based; out of range stays where it is)."""
        if self.result is None and 0 <= index < len(self.items) and index != self.current:
            self.current = index
            self._confirming = False
            self._show()

    def submit(self, *, timed_out: bool = False) -> Result | None:
        """Submit; with open or flagged questions the first click asks, the second submits.

        Returns:
            The :class:`~lakehouse.course.exam.scoring.Result`, or None while it asks.
        """
        with self._lock:
            if self.result is not None:
                return self.result
            open_ = [i + 1 for i in range(len(self.items)) if i not in self.state.answers]
            flagged = sorted(i + 1 for i in self.state.flagged)
            if not timed_out and (open_ or flagged) and not self._confirming:
                self._confirming = True
                self.message.value = (f"{len(open_)} unanswered, {len(flagged)} flagged"
                                      + (f" (flagged: {', '.join(map(str, flagged))})" if flagged else "")
                                      + ". Click <b>Submit</b> again to submit now.")
                return None
            self.state.timed_out = timed_out
            self.result = score(self.bank, self.items, self.state.answers)
        text = report(self.bank, self.result, timed_out=timed_out)
        for button in (self.back, self.next, self.flag_button, self.submit_button):
            button.disabled = True
        self.goto.disabled = True
        for box in self.choices.children:
            box.disabled = True
        self.message.value = ""
        self.clock_line.value = "<b>Time is up.</b>" if timed_out else "<b>Submitted.</b>"
        kept = ""
        if self.keep:
            path = append_run(record(self.bank, self.result, started=self.started, minutes=self.minutes,
                                     timed_out=timed_out, section=self.section))
            from ..scoreboard import refresh_page

            kept = f"\nKept in {path}; scoreboard with your exam history: {refresh_page()}"
        self.report.value = f"<pre style='white-space: pre-wrap'>{html.escape(text + kept)}</pre>"
        return self.result

    def left(self) -> float:
        """Seconds left."""
        return self.deadline - self.now()

    def tick(self) -> None:
        """Update the clock line; submit when the time is up (the countdown thread calls it each second)."""
        if self.result is not None:
            return
        if self.left() <= 0:
            self.submit(timed_out=True)
        else:
            self._refresh_status()

    # -- drawing -------------------------------------------------------------------------------------
    def _count_down(self) -> None:
        while self.result is None:
            time.sleep(1)
            self.tick()

    def _show(self) -> None:
        import ipywidgets as w

        item = self.items[self.current]
        chosen = self.state.answers.get(self.current, set())
        labels = {f"{o.id}. {o.text}": o.id for o in item.options}
        if len(item.answer) == 1:
            radio = w.RadioButtons(options=list(labels), value=next((k for k, v in labels.items() if v in chosen), None),
                                   layout=w.Layout(width="100%"))
            radio.observe(lambda change: self.choose({labels[change["new"]]} if change["new"] else set()), "value")
            self.choices.children = (radio,)
        else:
            boxes = [w.Checkbox(value=v in chosen, description=k, indent=False, layout=w.Layout(width="100%"))
                     for k, v in labels.items()]

            def picked(_):
                self.choose({labels[b.description] for b in boxes if b.value})

            for box in boxes:
                box.observe(picked, "value")
            self.choices.children = tuple(boxes)
        many = f" <i>(choose {len(item.answer)})</i>" if len(item.answer) > 1 else ""
        self.stem.value = f"<pre style='white-space: pre-wrap; font-family: inherit'>{html.escape(item.stem)}</pre>{many}"
        self.flag_button.description = "Unflag" if self.current in self.state.flagged else "Flag"
        self.back.disabled, self.next.disabled = self.current == 0, self.current == len(self.items) - 1
        self.message.value = ""
        self._refresh_status()

    def _refresh_status(self) -> None:
        item = self.items[self.current]
        flag = " · <b>flagged</b>" if self.current in self.state.flagged else ""
        self.header.value = (f"<b>Question {self.current + 1}/{len(self.items)}</b> · "
                             f"{html.escape(self.titles.get(item.section, item.section))}{flag}")
        self.clock_line.value = (f"Time left <b>{clock(self.left())}</b> · answered "
                                 f"{len(self.state.answers)}/{len(self.items)}")
        marks = [(f"{i + 1}{' ✓' if i in self.state.answers else ''}{' ⚑' if i in self.state.flagged else ''}", i)
                 for i in range(len(self.items))]
        self._redrawing = True  # new options reset the list's value: not a learner's choice
        try:
            if list(self.goto.options) != marks:
                self.goto.options = marks
            if self.goto.value != self.current:
                self.goto.value = self.current
        finally:
            self._redrawing = False

    def _went_to(self, change) -> None:
        if not self._redrawing and change["new"] is not None:
            self.go(change["new"])


def exam(questions: int = QUESTIONS, *, minutes: float | None = None, section: str | None = None,
         seed: int | None = None, bank: Bank | None = None) -> NotebookExam:
    """Start a timed practice exam in this cell (the notebook form of ``lakehouse exam``).

    Args:
        questions: how many questions (45 as in the Associate exam).
        minutes: the time allowed (default: 2 minutes a question, 90 for 45).
        section: only this exam-guide section (its key or part of its title).
        seed: the same seed and history give the same questions.
        bank: the question bank (default: the course's).

    Returns:
        The running :class:`NotebookExam`; it shows itself as the cell's output.

    Raises:
        ExamError: ``questions`` or ``minutes`` below 1, or a section that matches nothing.

    Example:
        >>> exam(questions=0)
        Traceback (most recent call last):
        lakehouse.course.exam.bank.ExamError: [EXAM_ERROR] questions must be >= 1, got 0.
          Fix: e.g. exam(questions=20).
    """
    if questions < 1:
        raise ExamError(f"questions must be >= 1, got {questions}.", fix="e.g. exam(questions=20).")
    minutes = minutes if minutes is not None else questions * MINUTES / QUESTIONS
    if minutes <= 0:
        raise ExamError(f"minutes must be > 0, got {minutes:g}.", fix="e.g. exam(minutes=30).")
    bank = bank or load_bank()
    sections = bank.sections_matching(section) if section else None
    items = draw(bank, questions, seed=seed, sections=sections, history=load_history())
    run = NotebookExam(bank, items, minutes=minutes, section=section)
    run._ipython_display_()
    return run
