"""``lakehouse grade``: the learner's copies run on a real kernel and score what they earned.

Lab 00 (the smallest) three ways: untouched (0 points, no crash), the solution copied in (full
marks), and a lab with no copy (not started, 0, not run). The scoreboard's JSON, HTML and text
agree. Broken and odd copies (a cell that raises, a dying kernel, ...): tests/test_scoreboard_edge.py.
"""

import json
import shutil
from pathlib import Path

import pytest

from lakehouse.course.labs import lab_checks
from lakehouse.course.scoreboard import grade, render_text
from lakehouse.course.errors import LabError

REPO = Path(__file__).resolve().parents[1]
LAB = "00_welcome_and_setup"


@pytest.fixture(scope="module")
def board(tmp_path_factory, test_home):
    work = tmp_path_factory.mktemp("scoreboard")
    ws = {name: work / name for name in ("untouched", "solved")}
    for folder in ws.values():
        folder.mkdir()
    shutil.copy(REPO / "labs" / f"{LAB}.ipynb", ws["untouched"])
    shutil.copy(REPO / "solutions" / f"{LAB}.ipynb", ws["solved"])
    lines = []
    boards = {name: grade([LAB, "01"], workspace=folder, home=work / f"home-{name}", echo=lines.append)
              for name, folder in ws.items()}
    return boards, lines


def _lab(board, lab):
    return next(s for s in board["labs"] if s["lab"].startswith(lab))


def test_untouched_lab_scores_zero_without_crashing(board):
    score = _lab(board[0]["untouched"], "00")
    assert score["status"] == "graded"
    assert score["points"] == 0 and score["max_points"] == sum(c.points for c in lab_checks(LAB)) > 0
    assert all(c["status"] != "not_run" for c in score["checks"]), "every check ran (catch-ups kept it going)"
    assert any(c["status"] == "fail" and c["message"] for c in score["checks"] if c["todo"])


def test_solution_scores_full_marks(board):
    score = _lab(board[0]["solved"], "00")
    assert score["status"] == "graded"
    assert score["points"] == score["max_points"]
    assert {c["status"] for c in score["checks"]} == {"pass"}


def test_a_lab_without_a_copy_is_not_started(board):
    score = _lab(board[0]["solved"], "01")
    assert score["status"] == "not_started" and score["points"] == 0 and score["max_points"] > 0
    assert {c["status"] for c in score["checks"]} == {"not_run"}


def test_scoreboard_files_and_text_agree(board):
    solved = board[0]["solved"]
    on_disk = json.loads(Path(solved["json"]).read_text())
    assert on_disk["points"] == solved["points"] == _lab(solved, "00")["max_points"]
    page = Path(solved["html"]).read_text()
    assert f"{solved['points']}/{solved['max_points']} points" in page and "not started" in page
    text = render_text(solved)
    assert LAB in text and "not started" in text and text.splitlines()[-1].endswith("scoreboard.html")
    assert any(line.startswith(f"grading {LAB}") for line in board[1])


def test_unknown_lab_and_missing_workspace(tmp_path):
    with pytest.raises(LabError):
        grade(["42"], workspace=tmp_path)
    with pytest.raises(LabError, match="does not exist"):
        grade(["00"], workspace=tmp_path / "nope")
