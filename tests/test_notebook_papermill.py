"""Databricks notebooks as written, on the real course kernel under papermill: a notebook of only
``%sql``, ``display``, ``dbutils`` and ``%run`` cells (source format) runs with ``lakehouse
notebooks run``; ``make export`` then ``lakehouse notebooks import`` gives back the same cells."""

from __future__ import annotations

import json
from pathlib import Path

from lakehouse.cli import main as cli_main
from lakehouse.course.export import FOLDERS, export_notebooks
from lakehouse.notebook.source import import_notebooks

REPO = Path(__file__).resolve().parents[1]

SETUP = """# Databricks notebook source
# MAGIC %md
# MAGIC # Shared setup

# COMMAND ----------

dbutils.widgets.text("rows", "3")

# COMMAND ----------

# MAGIC %sql
# MAGIC CREATE OR REPLACE TEMP VIEW pm_numbers AS SELECT id FROM range(10)
"""

MAIN = """# Databricks notebook source
# MAGIC %run ./setup

# COMMAND ----------

# MAGIC %sql
# MAGIC SELECT id, id * id AS square FROM pm_numbers WHERE id < ${rows_placeholder};
# MAGIC SELECT count(*) AS n FROM pm_numbers

# COMMAND ----------

rows = int(dbutils.widgets.get("rows"))
display(_sqldf)
display(spark.table("pm_numbers").limit(rows))
print("rows widget:", rows, "| n:", _sqldf.first().n)
"""


def _outputs(path: Path) -> tuple[str, str]:
    nb = json.loads(path.read_text())
    text = html = ""
    for cell in nb["cells"]:
        for out in cell.get("outputs", []):
            text += "".join(out.get("text", ""))
            html += "".join(out.get("data", {}).get("text/html", ""))
    return text, html


def test_a_notebook_of_sql_display_dbutils_and_run_cells_runs_on_the_course_kernel(test_home, tmp_path, capsys):
    (tmp_path / "setup.py").write_text(SETUP)
    (tmp_path / "main.py").write_text(MAIN.replace("${rows_placeholder}", "3"))
    out = tmp_path / "out.ipynb"
    rc = cli_main(["notebooks", "run", str(tmp_path / "main.py"), "-p", "rows", "4", "-o", str(out)])
    assert rc == 0, capsys.readouterr().err
    text, html = _outputs(out)
    assert "rows widget: 4 | n: 10" in text  # the -p value reached dbutils.widgets.get
    assert "1 row" in html and "4 rows" in html  # display(_sqldf), display(spark.table(...))
    # a failing %sql cell fails the run with one line naming the statement
    (tmp_path / "bad.py").write_text("# Databricks notebook source\n# MAGIC %sql\n# MAGIC SELEC 1\n")
    assert cli_main(["notebooks", "run", str(tmp_path / "bad.py"), "-o", str(tmp_path / "bad.ipynb")]) == 1
    assert "[PARSE_SYNTAX_ERROR]" in capsys.readouterr().err


def test_export_then_import_gives_the_same_cells(tmp_path, capsys):
    export_notebooks(tmp_path)
    assert cli_main(["notebooks", "import", str(tmp_path)]) == 0
    sources = [p for folder in FOLDERS for p in sorted((REPO / folder).glob("*.ipynb"))]
    assert f"{len(sources)} notebook(s) imported" in capsys.readouterr().out
    for original in sources:
        imported = tmp_path / original.relative_to(REPO)
        want = [(c["cell_type"], "".join(c["source"]).rstrip()) for c in json.loads(original.read_text())["cells"]]
        got = [(c["cell_type"], "".join(c["source"])) for c in json.loads(imported.read_text())["cells"]]
        assert got == want, original.name
        assert json.loads(imported.read_text())["metadata"]["kernelspec"]["name"] == "lakehouse"


def test_import_maps_sql_run_pip_and_md_cells_and_titles(tmp_path):
    (tmp_path / "nb.py").write_text(
        "# Databricks notebook source\n# MAGIC %md\n# MAGIC ## Step 1\n\n# COMMAND ----------\n\n"
        "# MAGIC %pip install tqdm\n\n# COMMAND ----------\n\n# MAGIC %run ./setup\n\n# COMMAND ----------\n\n"
        "# DBTITLE 1,Count\n# MAGIC %sql\n# MAGIC SELECT 1\n\n# COMMAND ----------\n\nx = 1\n")
    (tmp_path / "plain.py").write_text("print('not a notebook')\n")
    written = import_notebooks(tmp_path)
    assert [p.name for p in written] == ["nb.ipynb"]
    cells = [(c["cell_type"], c["source"]) for c in json.loads(written[0].read_text())["cells"]]
    assert cells == [("markdown", "## Step 1"), ("code", "%pip install tqdm"), ("code", "%run ./setup"),
                     ("code", "%sql\nSELECT 1"), ("code", "x = 1")]
