"""``lakehouse exam`` driven through a real pseudo-terminal (pexpect): a 45-question timed run with
flag, return, review and submit; a time-out; the score per section and the explained misses; the
history that weights the next run; the scoreboard page; no terminal, a small one, ``--plain``. No Spark.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pexpect
import pytest

from lakehouse.course.exam.bank import load_bank
from lakehouse.course.exam.history import draw, open_misses, section_shares
from lakehouse.course.exam.terminal import clock

BANK = load_bank()
PROMPT = r"left\] answer \(B or A,C\)"


def spawn(home, *args, first: str, dimensions=(50, 200)):
    """Start ``lakehouse exam`` in a pseudo-terminal and wait for ``first`` (retried on a gRPC fork
    casualty, as tests/test_quiz.py explains)."""
    env = {**os.environ, "LAKEHOUSE_HOME": str(home), "PYTHONUNBUFFERED": "1"}
    for attempt in range(3):
        child = pexpect.spawn(sys.executable, ["-m", "lakehouse.cli", "exam", *args], env=env,
                              encoding="utf-8", timeout=60, dimensions=dimensions)
        if child.expect([first, pexpect.EOF]) == 0:
            return child
        if "epoll" not in (child.before or "") or attempt == 2:
            raise AssertionError(f"the exam ended before {first!r}: {child.before!r}")
    raise AssertionError("unreachable")


def wrong(item) -> str:
    """An answer that is not the key (same number of options)."""
    others = [o.id for o in item.options if o.id not in item.answer]
    return ",".join(others[:len(item.answer)])


def test_a_45_question_run_flag_return_review_submit_and_score_per_section(tmp_path):
    items = draw(BANK, 45, seed=3, history=[])  # what the command draws with this seed and no history
    child = spawn(tmp_path, "--seed", "3", first=r"Practice exam: 45 questions, 90 minutes, pass line 70%")
    child.expect(r"Question 1/45 +(.+?)\r\n")
    assert child.match.group(1).strip() == BANK.sections[items[0].section].title
    child.expect(r"Time left 1:(\d\d):\d\d")
    assert 28 <= int(child.match.group(1)) <= 29  # the time left is on every screen (90 minutes)
    child.expect(PROMPT)
    child.sendline(",".join(sorted(items[0].answer)))          # 1: right
    child.expect("Question 2/45")
    child.expect(PROMPT)
    child.sendline("f")                                        # 2: flagged, left open
    child.expect("Question 2 flagged")
    child.expect(r"Question 2/45 .*\[flagged\]")
    child.expect(PROMPT)
    child.sendline("n")
    child.expect("Question 3/45")
    child.expect(PROMPT)
    child.sendline("Z")                                        # not an answer: asked again
    child.expect("is not a command or an answer")
    child.expect(PROMPT)
    child.sendline(wrong(items[2]))                            # 3: wrong
    child.expect("Question 4/45")
    child.expect(PROMPT)
    child.sendline("r")                                        # review: 1 and 3 answered, 2 flagged
    child.expect(r"Review \(")
    child.expect(r"\s+2  -\s+flagged")
    child.expect(PROMPT)
    child.sendline("g 2")                                      # return to the flagged question
    child.expect(r"Question 2/45 .*\[flagged\]")
    child.expect(PROMPT)
    child.sendline(",".join(sorted(items[1].answer)))          # 2: right
    child.expect("Question 3/45")
    child.expect(PROMPT)
    child.sendline("s")
    child.expect(r"42 unanswered, 1 flagged \(flagged: 2\)")
    child.expect(r"Submit now\? \[y/n\]")
    child.sendline("y")
    child.expect("Exam submitted")
    expected = {}
    for i, item in enumerate(items):
        right, asked = expected.get(item.section, (0, 0))
        expected[item.section] = (right + (i in (0, 1)), asked + 1)
    for key in (k for k in BANK.sections if k in expected):  # the bank's section order
        right, asked = expected[key]
        child.expect(rf"{BANK.sections[key].title} +{right}/{asked} +{100 * right // asked}%")
    child.expect(r"Total +2/45 +4%")
    child.expect(r"Pass line 70% \(the exam guide\): FAIL")
    child.expect(r"Your 43 miss\(es\), explained:")
    child.expect(rf"{items[2].id}: ")
    child.expect(rf"your answer: {wrong(items[2])}; correct: {','.join(sorted(items[2].answer))}")
    child.expect(r"lab: labs/\d\d_\w+\.ipynb   doc: https://docs\.databricks\.com/")
    child.expect("Scoreboard with your exam history")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    runs = json.loads((tmp_path / "exam" / "history.json").read_text())
    assert len(runs) == 1 and sorted(runs[0]["right"]) == sorted([items[0].id, items[1].id])
    assert runs[0]["score"] == 4 and not runs[0]["passed"] and not runs[0]["timed_out"]
    assert runs[0]["sections"] == {k: list(v) for k, v in expected.items()}
    page = (tmp_path / "grades" / "scoreboard.html").read_text()
    assert "Practice exams" in page and "4%" in page and "FAIL (pass line 70%)" in page


def test_the_time_runs_out_while_nobody_types(tmp_path):
    items = draw(BANK, 45, seed=5, history=[])
    child = spawn(tmp_path, "--seed", "5", "--minutes", "0.25", first=r"45 questions, 0.25 minutes")
    child.expect(PROMPT)
    child.sendline(",".join(sorted(items[0].answer)))
    child.expect("Question 2/45")
    child.expect("Time is up.", timeout=60)                 # no input: the deadline ends the exam
    child.expect("Time is up: unanswered questions count as misses.")
    child.expect(r"Total +1/45 +2%")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    run = json.loads((tmp_path / "exam" / "history.json").read_text())[0]
    assert run["timed_out"] and run["right"] == [items[0].id] and len(run["missed"]) == 44


def test_the_next_draw_weights_weak_sections_and_asks_misses_first():
    history = [{"sections": {"governance": [0, 6], "ingestion": [9, 9]}, "right": [],
                "missed": [i.id for i in BANK.items if i.section == "governance"][:5]}]
    shares = section_shares(BANK, history, list(BANK.sections))
    base = section_shares(BANK, [], list(BANK.sections))
    assert shares["governance"] > base["governance"] and shares["ingestion"] < base["ingestion"]
    picked = draw(BANK, 45, seed=1, history=history)
    assert set(history[0]["missed"]) <= {i.id for i in picked}  # every open miss is asked again
    assert sum(i.section == "governance" for i in picked) > sum(i.section == "governance"
                                                                for i in draw(BANK, 45, seed=1, history=[]))
    # answered right later: no longer an open miss
    assert open_misses(history + [{"right": history[0]["missed"][:2], "missed": []}]) == set(history[0]["missed"][2:])
    assert draw(BANK, 45, seed=9, history=[]) == draw(BANK, 45, seed=9, history=[])


def test_section_filter_and_bad_arguments(tmp_path):
    child = spawn(tmp_path, "--section", "governance", "--questions", "3", "--seed", "1",
                  first=r"3 questions, 6 minutes")
    for n in (1, 2, 3):
        child.expect(rf"Question {n}/3 +Governance and Security")
        child.expect(PROMPT)
        child.sendline("n" if n < 3 else "s")
    child.expect(r"Submit now\?")
    child.sendline("y")
    child.expect(r"Governance and Security +0/3")
    child.expect(pexpect.EOF)
    child = spawn(tmp_path, "--section", "kubernetes", first=r"error \[EXAM_ERROR\]: no exam-guide section matches")
    child.expect("governance")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 2
    child = spawn(tmp_path, "--questions", "0", first=r"EXAM_ERROR.*--questions must be >= 1")
    child.expect(pexpect.EOF)


def test_no_terminal_a_small_terminal_and_plain(tmp_path):
    env = {**os.environ, "LAKEHOUSE_HOME": str(tmp_path)}
    cmd = [sys.executable, "-m", "lakehouse.cli", "exam", "--questions", "2", "--seed", "1"]
    out = subprocess.run(cmd, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120)
    assert out.returncode == 2
    assert out.stderr.startswith("error [EXAM_ERROR]: `lakehouse exam` needs an interactive terminal")
    assert "--plain" in out.stderr and "Traceback" not in out.stderr
    child = spawn(tmp_path, "--questions", "2", first=r"EXAM_ERROR.*the terminal is 40x10", dimensions=(10, 40))
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 2
    items = draw(BANK, 2, seed=1, history=[])
    answers = "\n".join(",".join(sorted(i.answer)) for i in items) + "\n"
    out = subprocess.run(cmd + ["--plain"], env=env, input=answers, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "Total" in out.stdout and "2/2" in out.stdout and "PASS" in out.stdout


@pytest.mark.parametrize("seconds, text", [(5399, "1:29:59"), (61, "01:01"), (-3, "00:00")])
def test_clock(seconds, text):
    assert clock(seconds) == text
