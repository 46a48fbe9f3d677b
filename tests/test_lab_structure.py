"""Every lab has the same shape (issue 19, docs/WRITING_LABS.md "The shape of a lab").

* the first markdown cell states the lab's **Goals** and the **Interview questions** it prepares for;
* 3-8 exercises: checks with a TODO number, each TODO cell followed by the cell that checks it;
* exercises carry the points, checkpoints of demo cells carry none (so an untouched lab scores 0,
  which tests/test_notebooks.py proves by running it);
* a recap, and a last cell that cleans up (``ctx.clean_up()``, which prints the score).

Pure notebook JSON and the checks modules: no Spark.
"""

import json
import re
from pathlib import Path

import pytest

from lakehouse.course.labs import lab_checks

REPO = Path(__file__).resolve().parents[1]
SOLUTIONS = sorted((REPO / "solutions").glob("[0-9][0-9]_*.ipynb"))


def _cells(path: Path) -> list[tuple[str, str]]:
    nb = json.loads(path.read_text())
    return [(c["cell_type"], "".join(c["source"])) for c in nb["cells"]]


@pytest.mark.parametrize("solution", SOLUTIONS, ids=lambda p: p.stem)
def test_intro_states_goals_and_interview_questions(solution):
    intro = next(src for kind, src in _cells(solution) if kind == "markdown")
    for label in ("**Goals**", "**Interview questions**"):
        assert label in intro, f"{solution.name}: the first markdown cell has no {label} list"
        after = intro.split(label, 1)[1]
        block = re.split(r"\n\s*\n(?!\s*(?:[-*]|\d+\.)\s)", after.lstrip(":* \n"), maxsplit=1)[0]  # to the list's end
        bullets = re.findall(r"^\s*(?:[-*]|\d+\.)\s+\S", block, re.M)
        assert len(bullets) >= 2, f"{solution.name}: {label} needs a list of at least 2 items"


@pytest.mark.parametrize("solution", SOLUTIONS, ids=lambda p: p.stem)
def test_three_to_eight_exercises_each_checked_after_its_todo(solution):
    checks = lab_checks(solution.stem)
    exercises = [c for c in checks if c.todo is not None]
    assert 3 <= len(exercises) <= 8, f"{solution.stem} has {len(exercises)} exercises, expected 3-8"
    code = [src for kind, src in _cells(REPO / "labs" / solution.name) if kind == "code"]
    for check in exercises:
        todo_at = [i for i, src in enumerate(code) if re.search(rf"(?:#|--)\s*TODO {check.todo}\b", src)]
        assert todo_at, f"{solution.stem}: no '# TODO {check.todo}' cell for the check {check.name!r}"
        checked_at = [i for i, src in enumerate(code)
                      if re.search(rf"ctx\.check\(\s*[\"']{re.escape(check.name)}[\"']", src)]
        assert any(i >= todo_at[0] for i in checked_at), \
            f"{solution.stem}: TODO {check.todo} is never followed by ctx.check({check.name!r}, ...)"


@pytest.mark.parametrize("solution", SOLUTIONS, ids=lambda p: p.stem)
def test_points_are_for_exercises_only(solution):
    checks = lab_checks(solution.stem)
    for check in checks:
        if check.todo is None:
            assert check.points == 0, f"{solution.stem}: checkpoint {check.name!r} has points; only exercises score"
        else:
            assert check.points >= 1, f"{solution.stem}: exercise {check.name!r} has no points"


@pytest.mark.parametrize("solution", SOLUTIONS, ids=lambda p: p.stem)
def test_recap_then_clean_up_last(solution):
    cells = _cells(solution)
    assert any(kind == "markdown" and re.search(r"^#+ Recap", src, re.M) for kind, src in cells), \
        f"{solution.name} has no '## Recap' section"
    last_code = [src for kind, src in cells if kind == "code"][-1]
    assert "ctx.clean_up(" in last_code, f"{solution.name}: the last code cell must call ctx.clean_up()"


@pytest.mark.parametrize("solution", SOLUTIONS, ids=lambda p: p.stem)
def test_a_failure_shown_on_purpose_is_asserted_to_fail(solution):
    """A cell whose title says it fails (or shows a failure) on purpose runs its failing part in
    ``ctx.fails_on_purpose(...)``, which raises when nothing failed: ``make test`` runs every
    solution, so a demonstration that stopped failing (lab 06's ``expect_or_fail`` once passed
    silently) fails the suite instead of teaching the opposite."""
    for kind, text in _cells(solution):
        title = text.split("\n", 1)[0]
        if kind == "code" and re.search(r"\b(shown|fails) on purpose\b", title):
            assert "ctx.fails_on_purpose(" in text, f"{solution.name}: {title!r} does not use ctx.fails_on_purpose"
            assert not re.search(r"^\s*except\b", text, re.M), f"{solution.name}: {title!r} catches its own failure"
