"""``lakehouse grade`` on a learner's broken or odd copies of lab 00 (issue 19, try-grade).

Each case is a workspace with one copy of lab 00 (the solution, or the lab, with one change),
graded once on the real ``lakehouse`` kernel by papermill. The fixture keeps what ``grade``
returned, or the exception it raised, so each test names one behaviour the learner meets:

* a cell that raises is named by its position in the learner's notebook (not papermill's copy,
  which has one more cell: the injected parameters);
* the kernel dying (``os._exit``) or ``sys.exit()`` stops the lab with a one-line reason, and
  the run and the scoreboard go on (no traceback);
* a cell over the time limit stops the lab with a one-line reason (no traceback);
* a notebook that is not JSON is reported by file name (no traceback);
* the parameters cell without its tag still grades from a clean slate;
* what the kernel writes to the results file cannot give more than the lab's points, nor crash
  the scoreboard when it is not JSON.

On 7b608ad all eight fail (the problems they prove are in the try-grade report). The sleeping
cell of the time-limit case runs before ``lab()`` on purpose: a cell timeout interrupts the
kernel, and an interrupt that lands in the engine's first catalog call wedges the engine's
Derby metastore (seen on this machine; every later catalog call hangs).
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from lakehouse.course import scoreboard
from lakehouse.course.scoreboard import grade
from lakehouse.errors import LakehouseError

REPO = Path(__file__).resolve().parents[1]
LAB = "00_welcome_and_setup"
SOLUTION = REPO / "solutions" / f"{LAB}.ipynb"
MARKER = "spark_catalog.lab00_graded.left_from_before"  # in the graded run's schema
LEARNERS = "spark_catalog.lab00.learners_own"  # in the schema of the learner's open notebook

TAMPER = (
    "import json, os\n"
    "path = os.path.join(os.environ['LAKEHOUSE_GRADES_DIR'], '00_welcome_and_setup.json')\n"
    "data = json.load(open(path))\n"
    "for c in data['checks']:\n"
    "    c.update(points=99, status='pass', message='')\n"
    "json.dump(data, open(path, 'w'))\n")
GARBLE = ("import os\n"
          "open(os.path.join(os.environ['LAKEHOUSE_GRADES_DIR'], '00_welcome_and_setup.json'), 'w')"
          ".write('{not json')\n")


def _solution():
    return nbformat.read(SOLUTION, as_version=4)


def _after_check(nb, n: int) -> int:
    """Index of the cell right after the n-th check cell (1-based; 0: right after the parameters)."""
    if n == 0:
        return next(i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", [])) + 1
    checks = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and "ctx.check(" in c.source]
    return checks[n - 1] + 1


def _insert(source: str, after_check: int = 2):
    nb = _solution()
    at = _after_check(nb, after_check)
    nb.cells.insert(at, nbformat.v4.new_code_cell(source))
    return nb, at + 1  # the new cell's 1-based position in the learner's notebook


def _untagged_no_reset():
    nb = _solution()
    params = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    params.metadata["tags"] = []
    params.source = params.source.replace("RESET = True", "RESET = False")
    return nb, None


CASES = {
    "raises": lambda: _insert('raise ValueError("a bug of mine")'),
    "os_exit": lambda: _insert("import os\nos._exit(1)"),
    "sys_exit": lambda: _insert("import sys\nsys.exit()"),
    "timeout": lambda: _insert("import time\ntime.sleep(600)", after_check=0),
    "untagged": _untagged_no_reset,
    "tamper": lambda: _insert(TAMPER, after_check=4),
    "garble": lambda: _insert(GARBLE, after_check=4),
}


@pytest.fixture(scope="module")
def graded(tmp_path_factory, test_home, spark):
    """{case: (grade's board or the exception it raised, the added cell's position)}.

    For "untagged" the second item is whether the table left from before survived the grading run.
    """
    work = tmp_path_factory.mktemp("edge")
    out = {}
    for name, make in CASES.items():
        folder = work / name
        folder.mkdir()
        nb, position = make()
        nbformat.write(nb, folder / f"{LAB}.ipynb")
        if name == "untagged":  # a table left from an earlier graded run, one of the learner's session
            for table in (MARKER, LEARNERS):
                spark.sql(f"CREATE SCHEMA IF NOT EXISTS {table.rsplit('.', 1)[0]}")
                spark.sql(f"CREATE OR REPLACE TABLE {table} (x INT) USING delta")
        limit = pytest.MonkeyPatch()
        if name == "timeout":  # the sleeping cell runs first; its limit is 8 s, not 15 min
            limit.setattr(scoreboard, "CELL_TIMEOUT_S", 8)
        try:
            result = grade([LAB], workspace=folder, home=work / f"home-{name}", echo=lambda line: None)
        except BaseException as exc:  # noqa: BLE001 - what the learner would meet
            result = exc
        finally:
            limit.undo()
        if name == "untagged":  # look now: the later cases reset the lab's schema
            position = (spark.catalog.tableExists(MARKER), spark.catalog.tableExists(LEARNERS))
        out[name] = (result, position)
    not_json = work / "not_json"
    not_json.mkdir()
    (not_json / f"{LAB}.ipynb").write_text('{"cells": [ not json')
    try:
        out["not_json"] = (grade([LAB], workspace=not_json, home=work / "home-nj", echo=lambda line: None), None)
    except BaseException as exc:  # noqa: BLE001
        out["not_json"] = (exc, None)
    return out


def _score(graded, case) -> dict:
    result, _ = graded[case]
    assert not isinstance(result, BaseException), f"grade raised {type(result).__name__}: {result}"
    return result["labs"][0]


def test_the_stopping_cell_is_numbered_as_the_learner_sees_it(graded):
    score = _score(graded, "raises")
    position = graded["raises"][1]
    assert score["status"] == "stopped"
    assert score["stopped_at"].startswith(f"cell {position} "), score["stopped_at"]
    assert "ValueError: a bug of mine" in score["stopped_at"]
    statuses = [c["status"] for c in score["checks"]]
    assert statuses[:2] == ["pass", "pass"] and set(statuses[2:]) == {"not_run"}, statuses
    assert score["points"] == sum(c["points"] for c in score["checks"]) > 0


def test_a_dying_kernel_stops_the_lab_without_a_traceback(graded):
    score = _score(graded, "os_exit")
    assert score["status"] == "stopped" and score["stopped_at"].startswith(f"cell {graded['os_exit'][1]} ")
    statuses = [c["status"] for c in score["checks"]]
    assert statuses[:2] == ["pass", "pass"] and set(statuses[2:]) == {"not_run"}, statuses


def test_sys_exit_stops_the_lab_and_says_so(graded):
    score = _score(graded, "sys_exit")
    assert score["status"] == "stopped", f"{score['status']}: checks not run and no reason given"
    assert score["stopped_at"].startswith(f"cell {graded['sys_exit'][1]} ")


def test_a_cell_over_the_time_limit_stops_the_lab_without_a_traceback(graded):
    score = _score(graded, "timeout")
    assert score["status"] == "stopped" and "time" in score["stopped_at"].lower()


def test_a_notebook_that_is_not_json_is_named(graded):
    result, _ = graded["not_json"]
    if isinstance(result, BaseException):
        assert isinstance(result, LakehouseError), f"{type(result).__name__}: {result}"
        assert f"{LAB}.ipynb" in str(result)
    else:
        score = result["labs"][0]
        assert score["status"] != "graded" and score["points"] == 0


def test_a_parameters_cell_without_its_tag_still_grades_from_a_clean_slate(graded):
    score = _score(graded, "untagged")
    assert score["points"] == score["max_points"]
    left_over, learners = graded["untagged"][1]
    assert left_over is False, "RESET=True was not applied: a table from before survived grading"
    assert learners is True, "grading dropped a table of the learner's own lab schema"


def test_the_kernel_cannot_score_more_than_the_lab_is_worth(graded):
    score = _score(graded, "tamper")
    assert score["points"] <= score["max_points"], f"{score['points']}/{score['max_points']}"
    assert all(c["points"] <= c["max_points"] for c in score["checks"])


def test_a_results_file_that_is_not_json_does_not_crash_the_scoreboard(graded):
    _score(graded, "garble")
