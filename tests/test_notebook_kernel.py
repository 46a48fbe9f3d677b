"""The course kernel as a Databricks notebook, in process: the extension loaded into an IPython
shell on the shared test engine (real Spark): the predefined names, ``%sql`` cells and ``_sqldf``,
``spark.sql`` running Databricks SQL, ``%run``, the other magics, ``display``, one-line errors.
(tests/test_notebook_papermill.py runs the same on the real kernel under papermill.)"""

from __future__ import annotations

import re

import pytest
from IPython.utils.capture import capture_output

from lakehouse.notebook.session import LazySpark


@pytest.fixture
def shell(spark, tmp_path, monkeypatch):
    """An IPython shell with the extension loaded; Spark's ``sql`` restored afterwards."""
    from IPython.core.interactiveshell import InteractiveShell
    from pyspark.sql.connect.session import SparkSession as ConnectSession
    from pyspark.sql.session import SparkSession as ClassicSession

    saved = {cls: cls.__dict__["sql"] for cls in (ConnectSession, ClassicSession)}
    monkeypatch.chdir(tmp_path)
    sh = InteractiveShell.instance()
    sh.run_line_magic("load_ext", "lakehouse.notebook")
    yield sh
    for cls, sql in saved.items():
        cls.sql = sql
    InteractiveShell.clear_instance()


def _run(shell, code: str):
    with capture_output() as out:
        result = shell.run_cell(code)
    html = "".join(o.data.get("text/html", "") for o in out.outputs)
    markdown = "".join(o.data.get("text/markdown", "") for o in out.outputs)
    return result, re.sub(r"\x1b\[[0-9;]*m", "", out.stdout + out.stderr), html + markdown


def test_spark_dbutils_display_exist_before_the_first_cell_and_spark_starts_on_first_use(shell, spark):
    from pyspark.sql import SparkSession

    ns = shell.user_ns
    assert {"spark", "dbutils", "display", "displayHTML"} <= set(ns)
    assert type(ns["spark"]) is LazySpark and isinstance(ns["spark"], SparkSession)
    result, _, _ = _run(shell, "n = spark.range(3).count()")
    assert result.success and ns["n"] == 3
    assert ns["spark"] is spark  # the stand-in replaced itself with the session
    result, _, html = _run(shell, 'display(spark.range(5), limit=3)\ndisplayHTML("<b>done</b>")')
    assert result.success and "showing the first 3 rows (truncated)" in html and "<b>done</b>" in html
    _, _, html = _run(shell, "display(spark.range(2))")
    assert "2 rows" in html and "<table" in html


def test_a_sql_cell_runs_every_statement_shows_the_last_and_binds_sqldf(shell):
    cell = ("%sql\n"
            "CREATE OR REPLACE TEMP VIEW nb_sql_v AS SELECT id FROM range(4);  -- a comment; with a semicolon\n"
            "SELECT 'a;b' AS s, count(*) AS n FROM nb_sql_v")
    result, _, html = _run(shell, cell)
    assert result.success, result.error_in_exec
    rows = shell.user_ns["_sqldf"].collect()
    assert [(r.s, r.n) for r in rows] == [("a;b", 4)] and "1 row" in html and "a;b" in html
    assert type(shell.user_ns["_sqldf"]).__module__ == "pyspark.sql.connect.dataframe"
    # %%sql and a one-line %sql do the same; a statement without a result shows nothing, keeps _sqldf
    _run(shell, "%%sql\nSELECT 7 AS seven")
    assert shell.user_ns["_sqldf"].first().seven == 7
    result, _, html = _run(shell, "%sql CREATE OR REPLACE TEMP VIEW nb_sql_w AS SELECT 1 AS x")
    assert result.success and html == "" and shell.user_ns["_sqldf"].first().seven == 7


def test_a_sql_cell_of_only_comments_runs_as_nothing(shell):
    """A lab's %sql TODO cell holds only its -- TODO lines: it runs, shows nothing, keeps _sqldf;
    a comment after the last statement is no statement either."""
    _run(shell, "%sql\nSELECT 3 AS three")
    result, text, html = _run(shell, "%sql\n-- TODO 1: upsert the changes\n-- TODO: one MERGE statement")
    assert result.success and text == "" and html == "" and shell.user_ns["_sqldf"].first().three == 3
    result, _, html = _run(shell, "%sql\nSELECT 4 AS four;\n-- END SOLUTION")
    assert result.success and shell.user_ns["_sqldf"].first().four == 4 and "1 row" in html


def test_a_sql_syntax_error_is_one_line_with_the_statement_and_position(shell):
    result, text, _ = _run(shell, "%sql\nSELECT 1;\nSELECT id\nFROM range(1) WHRE id > 1")
    assert not result.success and type(result.error_in_exec).__name__ == "SqlCellError"
    assert "[SQL_CELL_FAILED] statement 2 of 2: [PARSE_SYNTAX_ERROR] Syntax error at or near 'id'" in text
    assert "(line 2, pos 19) in: SELECT id FROM range(1) WHRE id > 1" in text
    assert "Traceback" not in text and "JVM stacktrace" not in text and text.strip().count("\n") == 0


def test_spark_sql_from_notebook_code_is_databricks_sql_and_stays_a_spark_dataframe(shell, spark):
    _run(shell, """spark.sql("SELECT '{\\"a\\": {\\"b\\": 5}}' AS j").createOrReplaceTempView("nb_json")""")
    result, _, _ = _run(shell, 'df = spark.sql("SELECT j:a.b AS b FROM nb_json")\nb = df.first().b')
    assert result.success, result.error_in_exec
    assert shell.user_ns["b"] == "5" and type(shell.user_ns["df"]).__module__ == "pyspark.sql.connect.dataframe"
    # code outside the notebook (this test module, the package) keeps Spark's own sql: `:` needs a VARIANT
    with pytest.raises(Exception, match="VARIANT"):
        spark.sql("SELECT j:a.b AS b FROM nb_json").collect()
    # an analysis error in a cell: Spark's condition in one line, no traceback
    result, text, _ = _run(shell, 'spark.table("no_such_table_nb").count()')
    assert not result.success and text.strip().startswith("[TABLE_OR_VIEW_NOT_FOUND]") and "Traceback" not in text


def test_run_executes_a_notebook_relative_to_this_one_with_or_without_extension(shell, tmp_path):
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "setup.py").write_text(
        "# Databricks notebook source\n# MAGIC %md\n# MAGIC # Shared setup\n\n# COMMAND ----------\n\n"
        "greeting = dbutils.widgets.get('greeting')\n\n# COMMAND ----------\n\n%run ./more\n\n# COMMAND ----------\n\n"
        "# MAGIC %sql\n# MAGIC CREATE OR REPLACE TEMP VIEW nb_run_v AS SELECT 41 AS x\n")
    from lakehouse.notebook.source import to_notebook
    import json

    (tmp_path / "lib" / "more.ipynb").write_text(json.dumps(to_notebook([("code", "more = greeting + '!'")])))
    result, text, _ = _run(shell, '%run ./lib/setup $greeting="hello"')
    assert result.success, text
    assert shell.user_ns["more"] == "hello!" and _run(shell, "y = spark.table('nb_run_v').first().x")[0].success
    assert shell.user_ns["y"] == 41
    result, text, _ = _run(shell, "%run ./lib/nope")
    assert not result.success and "[NOTEBOOK_NOT_FOUND] %run ./lib/nope: no notebook at" in text
    assert str(tmp_path / "lib" / "nope.ipynb") in text and str(tmp_path / "lib" / "nope.py") in text


def test_first_line_magics_md_python_fs_and_refused_languages(shell, tmp_path):
    _, _, html = _run(shell, "%md\n# A title")
    assert "# A title" in html
    assert _run(shell, "%python\nz = 3")[0].success and shell.user_ns["z"] == 3
    assert "from sh" in _run(shell, "%sh\necho from sh")[1]
    (tmp_path / "f.txt").write_text("x")
    result, _, _ = _run(shell, f"files = %fs ls {tmp_path}")
    assert result.success and [f.name for f in shell.user_ns["files"]] == ["f.txt"]
    for magic in ("%scala", "%r"):
        result, text, _ = _run(shell, f"{magic}\nval x = 1")
        assert not result.success and f"[UNSUPPORTED_MAGIC] {magic}:" in text and "Fix:" in text


def test_display_of_a_streaming_dataframe_is_refused_with_what_to_do(shell):
    result, text, _ = _run(shell, 'display(spark.readStream.format("rate").load())')
    assert not result.success and "[DISPLAY_UNSUPPORTED]" in text and "writeStream" in text


def test_other_errors_keep_their_traceback(shell):
    result, text, _ = _run(shell, "1 / 0")
    assert not result.success and "ZeroDivisionError" in text and "Traceback" in text or "----" in text
