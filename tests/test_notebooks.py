"""Each lab pair runs end to end on a real kernel: the lab from a clean slate, then the solution
again on top of it, without cleaning up.

One test per lab number, two papermill runs, in this order:

1. ``labs/NN_*.ipynb`` with ``RESET=True`` and lax grading (what nbval's lax mode checks: every
   cell runs without an error). Its TODO cells are empty, so every check fails, prints its hint
   and catches up to the reference state: the catch-ups and every non-TODO cell are proven
   from a clean slate.
2. ``solutions/NN_*.ipynb`` with ``RESET=False`` and strict grading (a failed check raises):
   the complete notebook is proven right, and proven re-runnable, since it runs over the
   schema, tables, checkpoints and landed files the first run left ("runs twice in a row
   without manual cleanup").

Both runs record their checks' results (``LAKEHOUSE_GRADES_DIR``, what ``lakehouse grade``
reads): the untouched lab must score 0 points (only checkpoints of demo cells may pass) and
the solution full marks with every check run.

Outputs land in build/notebooks/ (git-ignored); each run's seconds are recorded as test
properties (``lab_s``, ``solution_s``) in the junit report that ``make test`` writes, which
``benchmarks/bench_make_test.py`` reads.
"""

import json
import os
import shutil
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SOLUTIONS = sorted((REPO / "solutions").glob("[0-9][0-9]_*.ipynb"))
CELL_TIMEOUT_S = 900
SIZES = {"09_performance": {"ROWS": 60_000}}
"""Smaller sizes for labs whose default size is for learners (the checks hold at both)."""


def _run(notebook: Path, out: Path, **parameters) -> float:
    import papermill

    start = time.monotonic()
    papermill.execute_notebook(
        str(notebook), str(out), kernel_name="lakehouse", cwd=str(notebook.parent),
        execution_timeout=CELL_TIMEOUT_S, progress_bar=False, log_output=False, parameters=parameters,
    )
    return time.monotonic() - start


@pytest.mark.notebooks
@pytest.mark.parametrize("solution", SOLUTIONS, ids=lambda p: p.stem)
def test_lab_then_solution_again(solution, test_home, monkeypatch, record_property):
    lab = REPO / "labs" / solution.name
    assert lab.is_file(), f"{lab} is missing: run `make labs`"
    out_dir = REPO / "build" / "notebooks"
    out_dir.mkdir(parents=True, exist_ok=True)

    grades = REPO / "build" / "grades" / solution.stem
    shutil.rmtree(grades, ignore_errors=True)
    monkeypatch.delenv("LAKEHOUSE_GRADING", raising=False)
    monkeypatch.setenv("LAKEHOUSE_GRADES_DIR", str(grades / "lab"))
    size = SIZES.get(solution.stem, {})
    record_property("lab_s", round(_run(lab, out_dir / f"{solution.stem}.lab.ipynb", RESET=True, **size), 1))

    monkeypatch.setenv("LAKEHOUSE_GRADING", "strict")
    monkeypatch.setenv("LAKEHOUSE_GRADES_DIR", str(grades / "solution"))
    record_property("solution_s",
                    round(_run(solution, out_dir / f"{solution.stem}.solution.ipynb", RESET=False, **size), 1))
    assert os.environ["LAKEHOUSE_HOME"] == str(test_home)

    untouched = json.loads((grades / "lab" / f"{solution.stem}.json").read_text())
    scored = [c["name"] for c in untouched["checks"] if c["points"]]
    assert untouched["points"] == 0, f"the untouched lab scored points for {scored}"
    assert untouched["max_points"] > 0
    full = json.loads((grades / "solution" / f"{solution.stem}.json").read_text())
    missed = [c["name"] for c in full["checks"] if c["status"] != "pass"]
    assert not missed and full["points"] == full["max_points"], f"the solution missed {missed}"
