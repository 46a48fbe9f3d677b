"""``lakehouse grade``: the learner's copies run on a real kernel and score what they earned.

Lab 00 (the smallest) four ways: untouched (0 points, no crash), the solution copied in (full
marks), a copy whose cell raises half-way (graded up to there, the stopping cell named), and a
lab with no copy (not started, 0, not run). The scoreboard's JSON, HTML and text agree.
"""

import json
import shutil
from pathlib import Path

import nbformat
import pytest

from lakehouse.course.labs import lab_checks
from lakehouse.course.scoreboard import grade, render_text
from lakehouse.errors import LabError

REPO = Path(__file__).resolve().parents[1]
LAB = "00_welcome_and_setup"


@pytest.fixture(scope="module")
def board(tmp_path_factory, test_home):
    work = tmp_path_factory.mktemp("scoreboard")
    ws = {name: work / name for name in ("untouched", "solved", "broken")}
    for folder in ws.values():
        folder.mkdir()
    shutil.copy(REPO / "labs" / f"{LAB}.ipynb", ws["untouched"])
    shutil.copy(REPO / "solutions" / f"{LAB}.ipynb", ws["solved"])
    nb = nbformat.read(REPO / "solutions" / f"{LAB}.ipynb", as_version=4)
    first_check = next(i for i, c in enumerate(nb.cells) if c.cell_type == "code" and "ctx.check(" in c.source)
    nb.cells.insert(first_check + 1, nbformat.v4.new_code_cell('raise ValueError("a bug of mine")'))
    nbformat.write(nb, ws["broken"] / f"{LAB}.ipynb")
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


def test_a_cell_that_raises_stops_the_lab_and_is_named(board):
    score = _lab(board[0]["broken"], "00")
    assert score["status"] == "stopped"
    assert "ValueError: a bug of mine" in score["stopped_at"] and score["stopped_at"].startswith("cell ")
    statuses = [c["status"] for c in score["checks"]]
    assert statuses[0] == "pass" and "not_run" in statuses[1:]
    assert score["points"] == sum(c["points"] for c in score["checks"])


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
