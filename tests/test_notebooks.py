"""Every solution notebook runs end to end with papermill, twice in a row (idempotence).

Outputs land in build/notebooks/ (git-ignored). Grading is strict: a failed check fails.
"""

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SOLUTIONS = sorted((REPO / "solutions").glob("[0-9][0-9]_*.ipynb"))
CELL_TIMEOUT_S = 900


@pytest.mark.notebooks
@pytest.mark.parametrize("notebook", SOLUTIONS, ids=lambda p: p.stem)
def test_solution_runs_twice(notebook, test_home, monkeypatch):
    import papermill

    monkeypatch.setenv("LAKEHOUSE_GRADING", "strict")
    out_dir = REPO / "build" / "notebooks"
    out_dir.mkdir(parents=True, exist_ok=True)
    for run in (1, 2):
        out = out_dir / f"{notebook.stem}.run{run}.ipynb"
        papermill.execute_notebook(
            str(notebook), str(out), kernel_name="lakehouse", cwd=str(notebook.parent),
            execution_timeout=CELL_TIMEOUT_S, progress_bar=False, log_output=False,
            parameters={"RESET": run == 1},
        )
        assert os.environ["LAKEHOUSE_HOME"] == str(test_home)
