"""The grader: PASS/FAIL lines, nudges not answers, "not set yet", catch-ups, one summary, strict mode."""

import pytest

from lakehouse.course.errors import GradingError, LabError
from lakehouse.course.grading import Check, Grader, NotAnswered, assert_equal, expect
from lakehouse.course.labs import lab_checks
from lakehouse.course.catalog import LABS

ANSWER = "total = a + b"


def _total(ctx, value, *, want=5):
    return assert_equal(value, want, "total")


def _ref(ctx, value, *, want=5):
    return want


def _fn_check(ctx, value):
    result = value(2)
    if result is None:
        raise NotAnswered("double returned None: it is not written yet")
    return assert_equal(result, 4, "double(2)")


def _state(ctx, value, *, ok):
    return expect(ok, "the table is empty")


CHECKS = [
    Check("total", "total is a + b", _total, nudge="add the two numbers (the + operator)",
          doc="https://docs.python.org/3/reference/expressions.html", answer=ANSWER, catch_up=_ref, todo=1),
    Check("double", "double doubles", _fn_check, nudge="return the argument times two",
          answer="def double(x):\n    return 2 * x", catch_up=lambda ctx, value: (lambda x: 2 * x), todo=2),
    Check("table", "the table has rows", _state, nudge="run the cells above", variable=False, points=2),
]


@pytest.fixture(autouse=True)
def lax(monkeypatch):
    monkeypatch.delenv("LAKEHOUSE_GRADING", raising=False)


def test_pass_returns_the_learners_value_and_prints_one_line(capsys):
    g = Grader("00_welcome_and_setup", CHECKS)
    assert g.run("total", None, 5) == 5
    assert capsys.readouterr().out == "PASS  [1/1] total: total is a + b\n"


def test_fail_prints_a_nudge_and_link_never_the_answer_then_catches_up(capsys):
    g = Grader("x", CHECKS)
    assert g.run("total", None, 4) == 5  # the reference value, so the lab goes on
    out = capsys.readouterr().out
    assert "FAIL  [0/1] total: total is a + b - total is 4, expected 5" in out
    assert "nudge: add the two numbers" in out and "docs:  https://docs.python.org" in out
    assert ANSWER not in out and 'ctx.answer("total")' in out


def test_answer_only_on_request_by_name_or_todo_number(capsys):
    g = Grader("x", CHECKS)
    g.answer("total")
    g.answer(2)
    out = capsys.readouterr().out
    assert ANSWER in out and "return 2 * x" in out and "(TODO 2)" in out


@pytest.mark.parametrize("value", [None])
def test_unanswered_todo_says_not_set_yet(capsys, value):
    g = Grader("x", CHECKS)
    g.run("total", None, value)
    out = capsys.readouterr().out
    assert "total is not set yet" in out and "NoneType" not in out


def test_function_returning_none_is_not_set_yet_whatever_it_would_raise(capsys):
    g = Grader("x", CHECKS)
    fixed = g.run("double", None, lambda x: None)
    assert "double returned None: it is not written yet" in capsys.readouterr().out
    assert fixed(3) == 6


def test_any_other_error_is_one_line_without_traceback(capsys):
    g = Grader("x", CHECKS)
    g.run("double", None, lambda x: 1 / 0)
    out = capsys.readouterr().out
    assert "could not check: ZeroDivisionError" in out and "Traceback" not in out


def test_state_check_returns_none(capsys):
    g = Grader("x", CHECKS)
    assert g.run("table", None, ok=True) is None
    assert g.run("table", None, ok=False) is None
    assert "FAIL  [0/2] table: the table has rows - the table is empty" in capsys.readouterr().out


def test_summary_once_lists_failed_checks_with_nudges(capsys):
    g = Grader("lab", CHECKS)
    g.run("total", None, 4)
    g.run("double", None, lambda x: 2 * x)
    capsys.readouterr()
    assert g.summary() is None  # nothing for a notebook to echo a second time
    out = capsys.readouterr().out
    assert out.count("lab: 1/2 checks passed, 1/2 points.") == 1
    assert "  - total: total is 4, expected 5" in out and "nudge: add the two numbers" in out
    assert "double" not in out.split("Failed")[1].split("Not run")[0]
    assert "Not run yet: table" in out


def test_strict_mode_raises_with_code(monkeypatch):
    monkeypatch.setenv("LAKEHOUSE_GRADING", "strict")
    with pytest.raises(GradingError) as info:
        Grader("x", CHECKS).run("total", None, 4)
    assert info.value.code == "CHECK_FAILED"


def test_catch_up_runs_only_on_failure():
    calls = []
    check = Check("n", "n", lambda ctx, value: value == 1, nudge="n",
                  catch_up=lambda ctx, value: calls.append(value) or 1)
    g = Grader("x", [check])
    g.run("n", None, 1)
    g.run("n", None, 2)
    assert calls == [2]


@pytest.mark.parametrize("kwargs", [dict(name="", title="t", nudge="n"), dict(name="n", title="t", nudge=""),
                                    dict(name="n", title="t", nudge="n", points=-1),
                                    dict(name="n", title="", nudge="n")])
def test_bad_check_definitions(kwargs):
    with pytest.raises(LabError) as info:
        Check(test=lambda ctx, value: True, **kwargs)
    assert info.value.code == "LAB_ERROR"


def test_unknown_check_and_duplicate_names():
    with pytest.raises(LabError):
        Grader("x", CHECKS).run("nope", None, 1)
    with pytest.raises(LabError):
        Grader("x", CHECKS + CHECKS[:1])


@pytest.mark.parametrize("number", sorted(LABS))
def test_every_lab_module_is_well_formed(number):
    """Each lab's checks: unique names, a nudge; a TODO check has an answer and a catch-up, and
    its nudge does not contain its answer."""
    checks = lab_checks(f"{number}_{LABS[number]}")
    Grader(number, checks)  # unique names and TODO numbers
    for c in checks:
        if c.todo is not None:
            assert c.answer and c.catch_up is not None, c.name
            assert c.answer.strip() not in c.nudge, c.name
        assert not c.doc or c.doc.startswith(("https://", "README")), c.name


def test_labs_with_a_notebook_have_checks():
    from pathlib import Path

    repo = Path(__file__).resolve().parents[1]
    for nb in sorted((repo / "solutions").glob("[0-9][0-9]_*.ipynb")):
        assert lab_checks(nb.stem), f"{nb.stem} has no module in lakehouse/course/labs/"
