import json
from pathlib import Path

import pytest

from lakehouse.course.labgen import lab_source, write_labs
from lakehouse.course.errors import NotebookSyncError

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((REPO / "solutions").glob("*.ipynb")) + sorted((REPO / "labs").glob("*.ipynb"))


def test_solution_block_becomes_a_todo_with_placeholders():
    src = "a = 1\n    # BEGIN SOLUTION: compute b\n    # LAB: b = None\n    b = a + 1\n    # END SOLUTION\nprint(b)"
    assert lab_source(src) == "a = 1\n    # TODO: compute b\n    b = None\nprint(b)"


def test_a_sql_file_marks_its_block_with_sql_comments():
    """A pipeline's .sql file (lab 07) stays valid SQL in the solution: its markers are ``--`` comments."""
    from lakehouse.course.blocks import solution_blocks

    src = ("%%writefile {F}\n-- TODO 3: the twin in SQL\n-- BEGIN SOLUTION: one streaming table\n"
           "CREATE STREAMING TABLE t AS SELECT 1;\n-- END SOLUTION")
    assert lab_source(src) == "%%writefile {F}\n-- TODO 3: the twin in SQL\n-- TODO: one streaming table"
    [block] = solution_blocks(src)
    assert (block.todo, block.code) == (3, "CREATE STREAMING TABLE t AS SELECT 1;")


def test_a_sql_cell_block_becomes_a_sql_todo_and_its_block_comes_from_a_sql_answer():
    from lakehouse.course.answers import SqlAnswer
    from lakehouse.course.labgen import fill_blocks

    src = "%sql\n-- TODO 1: upsert\n-- BEGIN SOLUTION: one MERGE statement\nOLD\n-- END SOLUTION"
    filled = fill_blocks(src, {1: SqlAnswer("""
        MERGE INTO t USING s ON t.k = s.k
        WHEN MATCHED THEN UPDATE SET *""")})
    assert filled == ("%sql\n-- TODO 1: upsert\n-- BEGIN SOLUTION: one MERGE statement\n"
                      "MERGE INTO t USING s ON t.k = s.k\nWHEN MATCHED THEN UPDATE SET *\n-- END SOLUTION")
    assert lab_source(filled) == "%sql\n-- TODO 1: upsert\n-- TODO: one MERGE statement"


def test_default_prompt():
    assert lab_source("# BEGIN SOLUTION\nx = 1\n# END SOLUTION") == "# TODO: your code here"


@pytest.mark.parametrize("src", ["# BEGIN SOLUTION\nx = 1", "x = 1\n# END SOLUTION",
                                 "# BEGIN SOLUTION\n# BEGIN SOLUTION\n# END SOLUTION"])
def test_unbalanced_markers_name_the_cell(src):
    with pytest.raises(NotebookSyncError) as info:
        lab_source(src, where="99_x.ipynb cell 3")
    assert "99_x.ipynb cell 3" in str(info.value)


def test_labs_are_up_to_date():
    assert write_labs(REPO, check=True) == [], "run `make labs`"


def test_every_solution_has_a_lab():
    assert [p.name for p in (REPO / "solutions").glob("*.ipynb")] != []
    assert sorted(p.name for p in (REPO / "solutions").glob("*.ipynb")) == \
        sorted(p.name for p in (REPO / "labs").glob("*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_notebook_is_clean_and_parameterised(path):
    nb = json.loads(path.read_text())
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert all(not c["outputs"] and c["execution_count"] is None for c in code), "committed outputs"
    assert nb["metadata"]["kernelspec"]["name"] == "lakehouse"
    assert any("parameters" in c["metadata"].get("tags", []) for c in code), "no parameters cell"
    text = "".join("".join(c["source"]) for c in code)
    assert "time.sleep(" not in text or "sleep" in path.name
    if path.parent.name == "labs":
        assert "BEGIN SOLUTION" not in text and "END SOLUTION" not in text
