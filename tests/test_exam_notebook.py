"""The notebook form of the practice exam, driven through its real ipywidgets (values set and buttons
clicked as a browser's events would): a 45-question run with flag, go-to, back, a submit that asks
first, the score per section, the history and the scoreboard; a time-out on the clock; check boxes for
a multiple-answer question; bad arguments. No Spark, no mocks: ipywidgets without a front end.
"""

from __future__ import annotations

import json

import pytest

from lakehouse.course.exam.bank import ExamError, load_bank
from lakehouse.course.exam.history import draw
from lakehouse.course.exam.notebook import NotebookExam, exam

BANK = load_bank()


class Clock:
    """A clock the test moves (the exam's countdown reads it)."""

    def __init__(self):
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def pick(run: NotebookExam, option_ids: set[str]) -> None:
    """Choose options the way a learner does: the radio button's value, or the check boxes."""
    children = run.choices.children
    if len(children) == 1 and hasattr(children[0], "options"):
        radio = children[0]
        radio.value = next(label for label in radio.options if label.split(".", 1)[0] in option_ids)
    else:
        for box in children:
            box.value = box.description.split(".", 1)[0] in option_ids


def wrong(item) -> set[str]:
    others = [o.id for o in item.options if o.id not in item.answer]
    return set(others[:len(item.answer)])


def test_a_45_question_run_in_widgets_flag_go_to_submit_and_score(tmp_path, monkeypatch):
    monkeypatch.setenv("LAKEHOUSE_HOME", str(tmp_path))
    items = draw(BANK, 45, seed=7, history=[])
    clock = Clock()
    run = NotebookExam(BANK, items, minutes=90, now=clock, live=False)
    assert run.header.value.startswith("<b>Question 1/45</b>")
    assert "Time left <b>1:30:00</b>" in run.clock_line.value and run.back.disabled
    expected_right = 0
    for index, item in enumerate(items):
        answer = set(item.answer) if index % 3 else wrong(item)  # every third one wrong
        expected_right += bool(index % 3)
        if index == 10:
            run.flag_button.click()
            assert "flagged" in run.header.value and run.flag_button.description == "Unflag"
        if index == 20:
            expected_right -= 1  # left open for now
        else:
            pick(run, answer)
            assert run.state.answers[index] == answer
        clock.t += 60
        run.next.click()
    assert run.current == 44 and run.next.disabled
    run.tick()  # what the countdown thread does each second
    assert "Time left <b>45:00</b> · answered 44/45" in run.clock_line.value
    # back, then go to question 21 from the list (it shows answered and flagged marks)
    run.back.click()
    assert run.current == 43
    labels = dict((v, k) for k, v in run.goto.options)
    assert labels[10] == "11 ✓ ⚑" and labels[20] == "21"
    run.goto.value = 20
    assert run.header.value.startswith("<b>Question 21/45</b>")
    assert run.submit() is None and "1 unanswered, 1 flagged (flagged: 11)" in run.message.value
    pick(run, set(items[20].answer))
    expected_right += 1
    run.submit_button.click()
    assert "Click <b>Submit</b> again" in run.message.value  # still one flagged
    run.submit_button.click()
    result = run.result
    assert result is not None and result.right == expected_right and result.asked == 45
    assert "Pass line 70% (the exam guide)" in run.report.value and "miss(es), explained" in run.report.value
    for key, (right, asked) in result.sections.items():
        assert f"{BANK.sections[key].title}" in run.report.value
    assert run.submit_button.disabled and all(c.disabled for c in run.choices.children)
    history = json.loads((tmp_path / "exam" / "history.json").read_text())
    assert history[-1]["score"] == result.percent and not history[-1]["timed_out"]
    assert "Practice exams" in (tmp_path / "grades" / "scoreboard.html").read_text()


def test_the_clock_runs_out_and_submits_what_is_there(tmp_path, monkeypatch):
    monkeypatch.setenv("LAKEHOUSE_HOME", str(tmp_path))
    items = draw(BANK, 5, seed=1, history=[])
    clock = Clock()
    run = NotebookExam(BANK, items, minutes=2, now=clock, live=False)
    pick(run, set(items[0].answer))
    clock.t += 119
    run.tick()
    assert run.result is None and "Time left <b>00:01</b>" in run.clock_line.value
    clock.t += 2
    run.tick()
    assert run.result is not None and run.state.timed_out and run.result.right == 1
    assert "Time is up" in run.clock_line.value and "unanswered questions count as misses" in run.report.value
    pick_after = run.state.answers.copy()
    run.choose({"A"})
    assert run.state.answers == pick_after  # nothing changes after the end


def test_a_question_with_several_answers_has_check_boxes():
    item = next(i for i in BANK.items if len(i.answer) > 1)
    run = NotebookExam(BANK, [item], minutes=5, live=False, keep=False)
    assert len(run.choices.children) == len(item.options) and "choose" in run.stem.value
    pick(run, set(item.answer))
    assert run.state.answers[0] == set(item.answer)
    assert run.submit().right == 1


def test_the_countdown_thread_submits_on_time(tmp_path, monkeypatch):
    monkeypatch.setenv("LAKEHOUSE_HOME", str(tmp_path))
    run = NotebookExam(BANK, BANK.items[:2], minutes=1 / 60, live=True)  # one second
    import time

    for _ in range(50):
        if run.result is not None:
            break
        time.sleep(0.1)
    assert run.result is not None and run.state.timed_out


def test_bad_arguments_are_named():
    with pytest.raises(ExamError, match="questions must be >= 1"):
        exam(questions=0)
    with pytest.raises(ExamError, match="minutes must be > 0"):
        exam(questions=3, minutes=0)
    with pytest.raises(ExamError, match="no exam-guide section matches 'kubernetes'"):
        exam(questions=3, section="kubernetes")
