"""``lakehouse quiz`` driven through a real pseudo-terminal (pexpect): random order with a seed,
reveal, self-mark, misses remembered across runs under LAKEHOUSE_HOME, ``--section``, ``--misses``,
and bad arguments. No Spark."""

from __future__ import annotations

import json
import os
import re
import sys

import pexpect
import pytest

from lakehouse.course import quiz
from lakehouse.errors import LakehouseError

PROMPT_SHOW = "Enter: show the answer"
PROMPT_MARK = r"Did you know it\?"


def spawn(home, *args, first: str):
    """Start the quiz in a pseudo-terminal and wait for its first line matching ``first``.

    pexpect forks this pytest process, which holds gRPC threads (the session's Spark Connect
    client); gRPC's fork handlers can kill the forked child before it execs (seen once in a
    CI run: "Epoll1Poller ... epoll_wait error: Bad file descriptor", then EOF). That is the
    test harness, not the quiz: such a start is retried (up to 3 times).
    """
    env = {**os.environ, "LAKEHOUSE_HOME": str(home), "PYTHONUNBUFFERED": "1"}
    for attempt in range(3):
        child = pexpect.spawn(sys.executable, ["-m", "lakehouse.cli", "quiz", *args], env=env,
                              encoding="utf-8", timeout=30, dimensions=(50, 200))
        if child.expect([first, pexpect.EOF]) == 0:
            return child
        if "epoll" not in (child.before or "") or attempt == 2:
            raise AssertionError(f"the quiz ended before {first!r}: {child.before!r}")
    raise AssertionError("unreachable")


def asked_key(child) -> str:
    child.expect(r"\n((?:Q|W|T)\d+)\. ")
    return child.match.group(1)


def test_drill_reveals_marks_and_remembers_misses_across_runs(tmp_path):
    child = spawn(tmp_path, "--section", "streaming", "--limit", "3", "--seed", "7",
                  first=r"\[1/3\] Structured Streaming")
    first = asked_key(child)
    child.expect(PROMPT_SHOW)
    child.sendline("")
    child.expect("Databricks:")  # the model answer is shown
    child.expect(PROMPT_MARK)
    child.sendline("n")  # missed
    child.expect(r"\[2/3\]")
    second = asked_key(child)
    child.expect(PROMPT_SHOW)
    child.sendline("")
    child.expect(PROMPT_MARK)
    child.sendline("maybe")  # not an answer: asked again
    child.expect(PROMPT_MARK)
    child.sendline("y")
    child.expect(r"\[3/3\]")
    child.expect(PROMPT_SHOW)
    child.sendline("q")
    child.expect(r"You knew 1 of 2\. 1 card\(s\) to review")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    streaming = {c.key for c in quiz.select(quiz.load_cards(), section="streaming")}
    assert first in streaming and second in streaming and first != second
    misses = json.loads((tmp_path / "quiz" / "misses.json").read_text())
    assert misses == {first: 1}

    # The next run asks the missed card first; knowing it takes it off the list.
    child = spawn(tmp_path, "--misses", first=r"\[1/1\]")
    assert asked_key(child) == first
    child.expect(PROMPT_SHOW)
    child.sendline("")
    child.expect(PROMPT_MARK)
    child.sendline("y")
    child.expect(r"You knew 1 of 1\. 0 card\(s\) to review")
    child.expect(pexpect.EOF)
    assert json.loads((tmp_path / "quiz" / "misses.json").read_text()) == {}


def test_same_seed_same_order_and_missed_cards_come_first(tmp_path, monkeypatch):
    monkeypatch.setenv("LAKEHOUSE_HOME", str(tmp_path))
    cards = quiz.select(quiz.load_cards(), section="delta")

    def keys_asked(**kw):
        asked = []

        def write(text):
            if text.startswith("\n["):
                asked.append(text.split("\n")[2].split(".")[0])
        quiz.drill(cards, write=write, **kw)
        return asked

    def skip_all(prompt):
        return "q"

    def know_all(prompt):
        return "" if prompt.startswith("  Enter") else "y"

    order = keys_asked(limit=4, seed=3, read=know_all)
    assert len(order) == 4 and order == keys_asked(limit=4, seed=3, read=know_all)
    missed = keys_asked(limit=3, seed=1, read=lambda p: "" if p.startswith("  Enter") else "n")
    assert set(quiz.load_misses()) == set(missed) and len(missed) == 3
    # Another seed, yet the three misses come first.
    assert set(keys_asked(limit=3, seed=99, read=lambda p: "" if p.startswith("  Enter") else "y")) == set(missed)
    assert quiz.load_misses() == {}
    with pytest.raises(quiz.QuizError):
        quiz.drill(cards, only_misses=True, read=skip_all, write=lambda t: None)


def test_unknown_section_and_bad_limit_exit_2_with_the_sections_listed(tmp_path):
    child = spawn(tmp_path, "--section", "kubernetes",
                  first=r"error \[QUIZ_ERROR\]: no card matches section 'kubernetes'")
    child.expect("Structured Streaming")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 2
    with pytest.raises(LakehouseError) as info:
        quiz.select(quiz.load_cards(), section="nothing-like-this")
    assert info.value.code == "QUIZ_ERROR"
    child = spawn(tmp_path, "--limit", "0", first=r"QUIZ_ERROR.*--limit must be >= 1")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 2


def test_missing_guide_is_a_clear_error(tmp_path):
    with pytest.raises(quiz.QuizError) as info:
        quiz.load_cards(tmp_path / "nope.md")
    assert info.value.code == "QUIZ_ERROR"


def test_the_drill_says_what_it_holds_and_renders_markdown_on_a_terminal(tmp_path):
    cards = quiz.load_cards()
    counts = {k: sum(c.key[0] == k and c.key[1:].isdigit() for c in cards) for k in "QTW"}
    child = spawn(tmp_path, "--limit", "1", "--seed", "3",
                  first=rf"{len(cards)} cards: {counts['Q']} questions, {counts['T']} talking points,\s+"
                        rf"{counts['W']} whiteboard designs, in \d+ sections:\s+Talking points \({counts['T']}\);")
    child.expect(r"Asking 1 of them")
    key = asked_key(child)
    child.expect(PROMPT_SHOW)
    child.sendline("")
    child.expect(PROMPT_MARK)
    shown = child.before
    child.sendline("q")
    child.expect(pexpect.EOF)
    card = next(c for c in cards if c.key == key)
    assert "**" not in shown and "](" not in shown, shown[:400]    # no raw Markdown
    assert "\x1b[" in shown                                         # styled: stdout is a terminal
    lab = re.search(r"\]\(\.\./(labs/[^)]+)\)", card.answer).group(1)
    assert lab in shown                                             # a link reads as its target
    env_child = pexpect.spawn(sys.executable, ["-m", "lakehouse.cli", "quiz", "--limit", "1", "--seed", "3"],
                              env={**os.environ, "LAKEHOUSE_HOME": str(tmp_path), "NO_COLOR": "1"},
                              encoding="utf-8", timeout=30, dimensions=(50, 200))
    env_child.expect(PROMPT_SHOW)
    env_child.sendline("")
    env_child.expect(PROMPT_MARK)
    assert "\x1b[" not in env_child.before and lab in env_child.before
    env_child.sendline("q")
    env_child.expect(pexpect.EOF)


def test_summary_names_every_section_with_its_count():
    cards = quiz.load_cards()
    text = quiz.summary(cards)
    for section in dict.fromkeys(c.section for c in cards):
        n = sum(c.section == section for c in cards)
        assert f"{section} ({n})" in text
    assert quiz.summary(quiz.select(cards, section="streaming")).endswith("in 1 section: Structured Streaming ("
                                                                          f"{sum(c.section == 'Structured Streaming' for c in cards)}).")


@pytest.mark.parametrize("markdown, plain", [
    ("**AUTO CDC** orders by `sequence_by`", "AUTO CDC orders by `sequence_by`"),
    ("*Assume*: a *small* table, not a*b*c", "Assume: a small table, not a*b*c"),
    ("see [lab 05](../labs/05_structured_streaming.ipynb)", "see lab 05 (labs/05_structured_streaming.ipynb)"),
    ("[snippets/x.py](snippets/x.py) and [docs](https://docs.databricks.com/aws/en/delta/)",
     "interview_guide/snippets/x.py and docs (https://docs.databricks.com/aws/en/delta/)"),
    ("`a ** b` stays code", "`a ** b` stays code"),
    ("* **Bronze** - raw\n  and appended\n* Silver", "  • Bronze - raw and appended\n  • Silver"),
    ("1. first\n2. second", "  • first\n  • second"),
    ("| a | b |\n|---|---|\n| `x` | y |", "  a | b\n  `x` | y"),
    ("one\nparagraph\n\nand another", "one paragraph\n\nand another"),
])
def test_render_turns_the_guides_markdown_into_terminal_text(markdown, plain):
    from lakehouse.course.terminal_markdown import render

    assert render(markdown, color=False, width=100) == plain


def test_render_styles_and_wraps_by_visible_width():
    from lakehouse.course.terminal_markdown import BOLD, CODE, RESET, render

    styled = render("**bold** and `code` " + "word " * 30, color=True, width=40)
    assert styled.startswith(f"{BOLD}bold{RESET} and {CODE}code{RESET} word")
    visible = [re.sub(r"\x1b\[[0-9;]*m", "", line) for line in styled.splitlines()]
    assert max(len(line) for line in visible) <= 40 and len(visible) > 3
