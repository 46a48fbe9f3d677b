import pytest

from lakehouse.errors import GradingError, LabError
from lakehouse.grading import Grader, expect_equal


def test_pass_and_fail_lines(capsys, monkeypatch):
    monkeypatch.delenv("LAKEHOUSE_GRADING", raising=False)
    g = Grader("00_welcome_and_setup")
    assert g.check("ok", True, hint="h") is True
    assert g.check("wrong count", expect_equal(2, 3, "rows"), hint="count again", points=2) is False
    assert g.check("boom", lambda: 1 / 0, hint="h2") is False
    out = capsys.readouterr().out
    assert "PASS  [1/1] ok" in out
    assert "FAIL  [0/2] wrong count - rows is 2, expected 3" in out and "hint: count again" in out
    assert "could not check: ZeroDivisionError" in out and "Traceback" not in out
    assert g.summary() == "00_welcome_and_setup: 1/3 checks passed, 1 points"


def test_strict_mode_raises(monkeypatch):
    monkeypatch.setenv("LAKEHOUSE_GRADING", "strict")
    with pytest.raises(GradingError) as info:
        Grader("x").check("must", False, hint="do it")
    assert info.value.code == "CHECK_FAILED" and info.value.fix == "do it"


def test_catch_up_runs_only_on_failure(monkeypatch):
    monkeypatch.delenv("LAKEHOUSE_GRADING", raising=False)
    calls = []
    g = Grader("x")
    g.check("fine", True, hint="h", catch_up=lambda: calls.append("pass"))
    g.check("not yet", False, hint="h", catch_up=lambda: calls.append("fail"))
    assert calls == ["fail"]


@pytest.mark.parametrize("kwargs", [dict(name="", hint="h"), dict(name="n", hint=""),
                                    dict(name="n", hint="h", points=-1)])
def test_bad_arguments(kwargs):
    name = kwargs.pop("name")
    with pytest.raises(LabError):
        Grader("x").check(name, True, **kwargs)
