"""Pipeline source files as Databricks writes them: SQL pipeline files, ``from pyspark import
pipelines as dp``, legacy ``import dlt``, the session a file gets, Auto Loader inside a pipeline.

Each test names the Databricks page it follows. The end-to-end test runs one pipeline written
in SQL and the same one written in Python and compares tables and event-log expectation counts.
"""

from __future__ import annotations

import json
import textwrap

import pytest

from lakehouse import pipelines
from lakehouse.pipelines import PipelineDefinitionError
from lakehouse.pipelines.api import registering
from lakehouse.pipelines.loader import load_files
from lakehouse.pipelines.sql_statements import CdcStatement, DatasetStatement, FlowStatement, SetStatement
from lakehouse.pipelines.sql_statements import parse_statement

ST = "https://docs.databricks.com/aws/en/ldp/developer/ldp-sql-ref-create-streaming-table"
MV = "https://docs.databricks.com/aws/en/ldp/developer/ldp-sql-ref-create-materialized-view"
VIEW = "https://docs.databricks.com/aws/en/ldp/developer/ldp-sql-ref-create-view"
FLOW = "https://docs.databricks.com/aws/en/ldp/developer/ldp-sql-ref-create-flow"
CDC = "https://docs.databricks.com/aws/en/ldp/developer/ldp-sql-ref-apply-changes-into"
EXPECT = "https://docs.databricks.com/aws/en/ldp/expectations"
LIVE = "https://docs.databricks.com/aws/en/ldp/live-schema"
PY = "https://docs.databricks.com/aws/en/ldp/developer/python-ref"


def parse(text):
    return parse_statement(text, where="f.sql, line 1")


# --- SQL statements, one form each (no Spark) -------------------------------------------------------
@pytest.mark.parametrize("text, expected, page", [
    ("CREATE OR REFRESH STREAMING TABLE t AS SELECT * FROM STREAM(s)",
     DatasetStatement("table", "t", streaming=True, query="SELECT * FROM STREAM(s)"), ST),
    ("CREATE STREAMING TABLE IF NOT EXISTS t (id INT NOT NULL COMMENT 'key', name STRING)",
     DatasetStatement("table", "t", streaming=True, columns="id INT NOT NULL COMMENT 'key', name STRING"), ST),
    ("CREATE OR REFRESH PRIVATE STREAMING TABLE t AS SELECT 1",
     DatasetStatement("table", "t", streaming=True, private=True, query="SELECT 1"), ST),
    ("CREATE OR REFRESH MATERIALIZED VIEW m COMMENT 'daily' TBLPROPERTIES ('quality' = 'gold', delta.x = true) "
     "PARTITIONED BY (d) AS SELECT 1",
     DatasetStatement("materialized_view", "m", comment="daily", table_properties=(("quality", "gold"), ("delta.x", "true")),
                      partition_cols=("d",), query="SELECT 1"), MV),
    ("CREATE MATERIALIZED VIEW m CLUSTER BY (a, b) AS SELECT 1",
     DatasetStatement("materialized_view", "m", cluster_by=("a", "b"), query="SELECT 1"), MV),
    ("CREATE OR REFRESH LIVE TABLE m AS SELECT * FROM LIVE.s",
     DatasetStatement("materialized_view", "m", query="SELECT * FROM LIVE.s"), LIVE),
    ("CREATE OR REFRESH STREAMING LIVE TABLE LIVE.t AS SELECT * FROM STREAM(LIVE.s)",
     DatasetStatement("table", "t", streaming=True, query="SELECT * FROM STREAM(LIVE.s)"), LIVE),
    ("CREATE TEMPORARY VIEW v AS SELECT 1", DatasetStatement("temporary_view", "v", query="SELECT 1"), VIEW),
    ("CREATE VIEW v AS SELECT 1", DatasetStatement("temporary_view", "v", query="SELECT 1"), VIEW),
    ("CREATE TEMPORARY STREAMING LIVE VIEW v AS SELECT * FROM STREAM(s)",
     DatasetStatement("temporary_view", "v", streaming=True, query="SELECT * FROM STREAM(s)"), LIVE),
    ("CREATE OR REFRESH STREAMING TABLE t (CONSTRAINT a EXPECT (x > 0), CONSTRAINT b EXPECT (y IS NOT NULL) "
     "ON VIOLATION DROP ROW, CONSTRAINT c EXPECT (z IN (1, 2)) ON VIOLATION FAIL UPDATE) AS SELECT 1",
     DatasetStatement("table", "t", streaming=True, query="SELECT 1",
                      expectations=(("a", "x > 0", "warn"), ("b", "y IS NOT NULL", "drop"), ("c", "z IN (1, 2)", "fail"))),
     EXPECT),
    ("CREATE FLOW f AS INSERT INTO t BY NAME SELECT * FROM STREAM(s)",
     FlowStatement("f", "t", "SELECT * FROM STREAM(s)"), FLOW),
    ("CREATE FLOW f COMMENT 'backfill' AS INSERT INTO ONCE t BY NAME SELECT * FROM old",
     FlowStatement("f", "t", "SELECT * FROM old", once=True, comment="backfill"), FLOW),
    ("CREATE FLOW f AS INSERT ONCE INTO t BY NAME SELECT * FROM old",
     FlowStatement("f", "t", "SELECT * FROM old", once=True), FLOW),
    ("CREATE FLOW f AS AUTO CDC INTO t FROM STREAM(s) KEYS (id, k) IGNORE NULL UPDATES APPLY AS DELETE WHEN "
     "op = 'D' APPLY AS TRUNCATE WHEN op = 'T' SEQUENCE BY seq COLUMNS * EXCEPT (op, seq) STORED AS SCD TYPE 1",
     CdcStatement("f", "t", "s", (("keys", ["id", "k"]), ("ignore_null_updates", True), ("apply_as_deletes", "op = 'D'"),
                                  ("apply_as_truncates", "op = 'T'"), ("sequence_by", "seq"),
                                  ("except_column_list", ["op", "seq"]), ("stored_as_scd_type", "1"))), CDC),
    ("CREATE FLOW f AS AUTO CDC INTO t FROM STREAM s KEYS (id) SEQUENCE BY struct(ts, n) COLUMNS (id, v) "
     "STORED AS SCD TYPE 2 TRACK HISTORY ON * EXCEPT (v)",
     CdcStatement("f", "t", "s", (("keys", ["id"]), ("sequence_by", "struct(ts, n)"), ("column_list", ["id", "v"]),
                                  ("stored_as_scd_type", "2"), ("track_history_except_column_list", ["v"]))), CDC),
    ("APPLY CHANGES INTO LIVE.t FROM STREAM(LIVE.s) KEYS (id) SEQUENCE BY seq STORED AS SCD TYPE 2 "
     "TRACK HISTORY ON name, city",
     CdcStatement("t", "t", "s", (("keys", ["id"]), ("sequence_by", "seq"), ("stored_as_scd_type", "2"),
                                  ("track_history_column_list", ["name", "city"]))), CDC),
    ("SET spark.sql.shuffle.partitions = 4", SetStatement("spark.sql.shuffle.partitions", "4"),
     "https://docs.databricks.com/aws/en/ldp/developer/sql-ref"),
])
def test_each_statement_form_parses_as_documented(text, expected, page):
    assert parse(text) == expected, page


@pytest.mark.parametrize("text, names", [
    ("CREATE TABLE t AS SELECT 1", "'CREATE TABLE t AS'"),
    ("INSERT INTO t SELECT 1", "'INSERT INTO t SELECT'"),
    ("CREATE OR REFRESH STREAMING TABLE t LOCATION '/x' AS SELECT 1", "LOCATION"),
    ("CREATE MATERIALIZED VIEW m", "needs AS <query>"),
    ("CREATE STREAMING TABLE t (CONSTRAINT c EXPECT (x) ON VIOLATION IGNORE)", "DROP ROW or FAIL UPDATE"),
    ("CREATE FLOW f AS AUTO CDC INTO t FROM s KEYS (id)", "needs SEQUENCE BY"),
    ("CREATE FLOW f AS AUTO CDC INTO t FROM (SELECT 1) KEYS (id) SEQUENCE BY s", "not a subquery"),
])
def test_unsupported_or_malformed_statements_name_themselves_and_the_page(text, names):
    with pytest.raises(PipelineDefinitionError, match="f.sql, line 1") as err:
        parse(text)
    assert names in str(err.value)
    assert "https://docs.databricks.com/" in str(err.value) or "needs" in str(err.value)


def write(folder, files: dict, configuration=None, name="demo"):
    (folder / "transformations").mkdir(parents=True, exist_ok=True)
    for fname, body in files.items():
        (folder / "transformations" / fname).write_text(textwrap.dedent(body))
    conf = "".join(f"  {k}: {json.dumps(v)}\n" for k, v in (configuration or {}).items())
    spec = folder / "spark-pipeline.yml"
    spec.write_text(f"name: {name}\nstorage: state\nschema: {name}\n" + (f"configuration:\n{conf}" if conf else "")
                    + "libraries:\n  - glob:\n      include: transformations/**\n")
    return pipelines.load_spec(spec)


def test_sql_file_errors_name_file_line_key_and_spec(tmp_path):
    """Comments and strings do not split statements; errors name the file and the statement's line;
    an unknown ${key} names the key and the spec (https://docs.databricks.com/aws/en/ldp/parameters)."""
    spec = write(tmp_path, {"a.sql": """
        -- a comment; with a semicolon
        SET src = raw;  /* block; comment */
        CREATE OR REFRESH MATERIALIZED VIEW ok AS SELECT ';' AS s FROM ${src};

        CREATE OR REFRESH MATERIALIZED VIEW bad AS
          SELECT * FROM ${nowhere};
    """})
    with pytest.raises(PipelineDefinitionError) as err:
        load_files(spec.source_files(), spark=None, spec=spec)
    text = str(err.value)
    assert "a.sql, line 6" in text and "${nowhere}" in text and "spark-pipeline.yml" in text
    (tmp_path / "transformations" / "a.sql").write_text("SET src = raw;\nCREATE OR REFRESH MATERIALIZED VIEW ok AS\n"
                                                        "SELECT * FROM ${src} WHERE x = ${limit};")
    spec = write(tmp_path, {}, configuration={"limit": "3"})
    with registering() as reg:
        load_files(spec.source_files(), spark=None, spec=spec, registry=reg)
    assert reg.datasets["ok"].source == "a.sql:2"
    assert dict(reg.flows["ok"].spark_conf) == {"src": "raw"}  # SET reaches the flows after it
    (tmp_path / "transformations" / "a.sql").write_text("CREATE MATERIALIZED VIEW m AS\nSELECT 'open")
    with pytest.raises(PipelineDefinitionError, match="a.sql, line 2: a string opened with ' is never closed"):
        load_files(spec.source_files(), spark=None, spec=spec)


def test_constraint_with_a_subquery_or_a_udf_is_refused(spark, tmp_path):
    """Constraints "cannot contain custom Python functions, external service calls, subqueries that
    reference other tables" (https://docs.databricks.com/aws/en/ldp/expectations)."""
    spec = write(tmp_path, {"a.sql": """
        CREATE OR REFRESH MATERIALIZED VIEW m (
          CONSTRAINT known EXPECT (id IN (SELECT id FROM other))
        ) AS SELECT 1 AS id;
    """})
    with pytest.raises(PipelineDefinitionError, match="'known' on 'm' contains a subquery") as err:
        load_files(spec.source_files(), spark=None, spec=spec)
    assert EXPECT in str(err.value) and "a.sql:2" in str(err.value)
    (tmp_path / "transformations" / "a.sql").unlink()
    spec = write(tmp_path, {"b.py": """
        from pyspark import pipelines as dp

        @dp.materialized_view
        @dp.expect("scored", "my_score(id) > 0 AND upper(name) = 'A'")
        def m():
            return spark.range(1)
    """})
    with pytest.raises(PipelineDefinitionError, match="contains the function my_score"):
        pipelines.dry_run(spec, spark=spark, quiet=True)


# --- Python files as Databricks writes them -----------------------------------------------------------------
def test_databricks_imports_decorator_surface_and_session_getters(spark, tmp_path):
    """``from pyspark import pipelines as dp`` and ``import dlt`` give the API with expectations
    (PY); ``table``'s whole argument list (PY); ``temporary=True``/``private=True`` tables are not
    published (ST, PRIVATE); ``LIVE.`` is ignored (LIVE); a file's own session getters give the
    pipeline's session, so a streaming ``@dp.table`` stays a streaming table."""
    spec = write(tmp_path, {"a.py": """
        from pyspark import pipelines as dp
        from pyspark.sql import SparkSession

        session = SparkSession.getActiveSession()

        @dp.table(name="nums", comment="c", spark_conf={"spark.sql.shuffle.partitions": "2"},
                  table_properties={"quality": "bronze"}, partition_cols=["part"], cluster_by=None,
                  schema="id BIGINT, part BIGINT", private=False)
        @dp.expect("small", "id < 100")
        def nums():
            return session.readStream.format("rate").option("rowsPerSecond", 1).load().selectExpr(
                "value AS id", "value % 2 AS part").limit(0)

        @dp.table(temporary=True)
        def hidden():
            return SparkSession.builder.getOrCreate().read.table("LIVE.nums")
    """, "b.py": """
        import dlt
        from lakehouse import get_spark

        @dlt.table(private=True)
        def hidden2():
            return dlt.read("hidden")

        @dlt.view
        def v():
            return get_spark().readStream.table("live.nums")

        @dlt.table
        def streamed():
            assert dbutils.widgets is not None
            return dlt.read_stream("v")
    """})
    result = pipelines.dry_run(spec, spark=spark, quiet=True)
    assert result.kinds == {"nums": "streaming table", "hidden": "materialized view", "hidden2": "materialized view",
                            "v": "temporary view", "streamed": "streaming table"}
    flows = {f["name"]: f["inputs"] for f in result.flows}
    assert flows == {"nums": (), "hidden": ("nums",), "hidden2": ("hidden",), "v": ("nums",), "streamed": ("v",)}
    import sys

    assert "dlt" not in sys.modules or not hasattr(sys.modules["dlt"], "view")
    with pytest.raises(PipelineDefinitionError, match="path='/x'"):
        write(tmp_path, {"c.py": """
            from pyspark import pipelines as dp

            @dp.table(path="/x")
            def t():
                return spark.range(1)
        """})
        pipelines.dry_run(tmp_path / "spark-pipeline.yml", spark=spark, quiet=True)


# --- one pipeline in SQL and in Python -------------------------------------------------------------------
ORDERS = [{"id": 1, "customer": "a", "amount": 10.0, "qty": "1"}, {"id": 2, "customer": "a", "amount": -1.0, "qty": "2"},
          {"id": 3, "customer": "b", "amount": 5.0, "qty": "two"}, {"id": 4, "customer": "b", "amount": None, "qty": "4"},
          {"id": None, "customer": "c", "amount": 7.0, "qty": "5"}]
CHANGES = [{"id": 1, "name": "Ann", "op": "UPSERT", "seq": 1}, {"id": 2, "name": "Bob", "op": "UPSERT", "seq": 1},
           {"id": 1, "name": "Anna", "op": "UPSERT", "seq": 2}, {"id": 2, "name": None, "op": "DELETE", "seq": 3}]

SQL_PIPELINE = """
    -- bronze: Auto Loader through read_files; the schema location is the pipeline's
    CREATE OR REFRESH STREAMING TABLE raw_orders (
      CONSTRAINT has_amount EXPECT (amount IS NOT NULL)
    ) COMMENT 'orders as they land'
    AS SELECT id, customer, amount, qty FROM STREAM read_files('${landing}', format => 'json');

    CREATE TEMPORARY VIEW orders_typed (
      CONSTRAINT has_id EXPECT (id IS NOT NULL) ON VIOLATION DROP ROW
    ) AS SELECT * FROM STREAM(LIVE.raw_orders);

    CREATE OR REFRESH STREAMING TABLE clean_orders (
      CONSTRAINT positive_amount EXPECT (amount > 0) ON VIOLATION DROP ROW,
      CONSTRAINT qty_is_int EXPECT (CAST(qty AS INT) IS NOT NULL)
    ) AS SELECT * FROM STREAM orders_typed;

    CREATE OR REFRESH MATERIALIZED VIEW totals
    AS SELECT customer, sum(amount) AS total FROM clean_orders GROUP BY customer;

    CREATE OR REFRESH STREAMING TABLE all_orders;
    CREATE FLOW from_clean AS INSERT INTO all_orders BY NAME SELECT id, customer, amount FROM STREAM(clean_orders);
    CREATE FLOW backfill AS INSERT INTO ONCE all_orders BY NAME
      SELECT id, customer, amount FROM raw_orders WHERE id = 4;

    CREATE OR REFRESH STREAMING TABLE changes AS SELECT * FROM cloud_files('${changes}', 'json', map('cloudFiles.inferColumnTypes', 'true'));
    CREATE OR REFRESH STREAMING TABLE customers;
    CREATE FLOW customers_cdc AS AUTO CDC INTO customers FROM STREAM(changes) KEYS (id)
      APPLY AS DELETE WHEN op = 'DELETE' SEQUENCE BY seq COLUMNS * EXCEPT (op, _rescued_data) STORED AS SCD TYPE 2;
"""

PY_BRONZE = """
    from pyspark import pipelines as dp
    from pyspark.sql import SparkSession

    @dp.table(comment="orders as they land")
    @dp.expect("has_amount", "amount IS NOT NULL")
    def raw_orders():
        reader = SparkSession.getActiveSession().readStream.format("cloudFiles").option("cloudFiles.format", "json")
        return reader.option("cloudFiles.inferColumnTypes", "true").load(spark.conf.get("landing")).select(
            "id", "customer", "amount", "qty")

    @dp.temporary_view
    @dp.expect_or_drop("has_id", "id IS NOT NULL")
    def orders_typed():
        return spark.readStream.table("LIVE.raw_orders")

    @dp.table
    @dp.expect_or_drop("positive_amount", "amount > 0")
    @dp.expect("qty_is_int", "CAST(qty AS INT) IS NOT NULL")
    def clean_orders():
        return SparkSession.builder.getOrCreate().readStream.table("orders_typed")

    dp.create_streaming_table("all_orders")

    @dp.append_flow(target="all_orders")
    def from_clean():
        return spark.readStream.table("clean_orders").select("id", "customer", "amount")

    @dp.append_flow(target="all_orders", once=True)
    def backfill():
        return spark.sql("SELECT id, customer, amount FROM raw_orders WHERE id = 4")
"""

PY_SILVER = """
    import dlt
    from pyspark.sql import functions as F

    @dlt.table
    def totals():
        return dlt.read("clean_orders").groupBy("customer").agg(F.sum("amount").alias("total"))

    @dlt.table
    def changes():
        return (spark.readStream.format("cloudFiles").option("cloudFiles.format", "json")
                .option("cloudFiles.inferColumnTypes", "true").load(spark.conf.get("changes")))

    dlt.create_streaming_table("customers")
    dlt.apply_changes(target="customers", source="changes", keys=["id"], sequence_by="seq", name="customers_cdc",
                      apply_as_deletes="op = 'DELETE'", except_column_list=["op", "_rescued_data"], stored_as_scd_type=2)
"""


def expectation_counts(spark, spec, update_id) -> dict:
    log = pipelines.event_log(spec, spark=spark).where(f"origin.update_id = '{update_id}' AND event_type = 'flow_progress'")
    out = {}
    for row in log.collect():
        dq = json.loads(row.details)["flow_progress"].get("data_quality") or {}
        for e in dq.get("expectations", []):
            out[(e["dataset"], e["name"])] = (e["passed_records"], e["failed_records"])
    return out


def test_same_pipeline_in_sql_and_python_gives_equal_tables_and_expectation_counts(spark, tmp_path):
    """CREATE STREAMING TABLE (ST), MATERIALIZED VIEW (MV), TEMPORARY VIEW (VIEW), CREATE FLOW (FLOW),
    AUTO CDC INTO (CDC), expectations (EXPECT), read_files / cloud_files on Auto Loader with the schema
    location the pipeline manages, ``${key}`` from the configuration; Python with
    ``from pyspark import pipelines as dp`` and ``import dlt``. ``CAST(qty AS INT)`` of ``'two'``
    fails the expectation (NULL) instead of the flow: ANSI is off in pipelines as on Databricks
    Runtime (https://docs.databricks.com/aws/en/sql/language-manual/sql-ref-ansi-compliance)."""
    landing, changes = tmp_path / "landing", tmp_path / "changes"
    landing.mkdir()
    changes.mkdir()
    (landing / "orders.json").write_text("\n".join(json.dumps(r) for r in ORDERS) + "\n")
    (changes / "c.json").write_text("\n".join(json.dumps(r) for r in CHANGES) + "\n")
    conf = {"landing": str(landing), "changes": str(changes)}
    sql_spec = write(tmp_path / "sql", {"orders.sql": SQL_PIPELINE}, conf, name="pipe_sql_form")
    py_spec = write(tmp_path / "py", {"bronze.py": PY_BRONZE, "silver.py": PY_SILVER}, conf, name="pipe_py_form")
    sql_run = pipelines.run(sql_spec, spark=spark, full_refresh=True, quiet=True)
    py_run = pipelines.run(py_spec, spark=spark, full_refresh=True, quiet=True)
    assert sql_run.kinds == py_run.kinds == {
        "raw_orders": "streaming table", "orders_typed": "temporary view", "clean_orders": "streaming table",
        "totals": "materialized view", "all_orders": "streaming table", "changes": "streaming table",
        "customers": "streaming table"}
    for table in ("raw_orders", "clean_orders", "totals", "all_orders", "changes", "customers"):
        a = spark.table(f"pipe_sql_form.{table}")
        b = spark.table(f"pipe_py_form.{table}")
        assert a.columns == b.columns, table
        assert sorted(map(tuple, a.collect()), key=repr) == sorted(map(tuple, b.collect()), key=repr), table
    counts = expectation_counts(spark, sql_spec, sql_run.update_id)
    assert counts == expectation_counts(spark, py_spec, py_run.update_id)
    assert counts[("raw_orders", "has_amount")] == (4, 1)
    assert counts[("orders_typed", "has_id")] == (4, 1)  # a view's expectations, counted where it is read
    assert counts[("clean_orders", "qty_is_int")] == (3, 1)  # 'two' counted as failed, the flow went on
    assert counts[("clean_orders", "positive_amount")] == (2, 2)  # -1 and NULL
    assert sorted(r.total for r in spark.table("pipe_sql_form.totals").collect()) == [5.0, 10.0]
    assert spark.table("pipe_sql_form.customers").where("__END_AT IS NULL").count() == 1
    schemas = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.glob("*/state/checkpoints/*/*/autoloader"))
    assert schemas == ["py/state/checkpoints/changes/changes/autoloader",
                       "py/state/checkpoints/raw_orders/raw_orders/autoloader",
                       "sql/state/checkpoints/changes/changes/autoloader",
                       "sql/state/checkpoints/raw_orders/raw_orders/autoloader"]


def test_auto_loader_error_reaches_the_cli_line_and_the_event_log_in_full(spark, tmp_path):
    """A failed flow names its cause, not Spark's ``Traceback (most recent call last):`` stub; the
    event log's ``error`` carries the same line (https://docs.databricks.com/aws/en/ldp/monitor-event-logs)."""
    landing = tmp_path / "in"
    landing.mkdir()
    (landing / "a.json").write_text('{"id": 1}\n')
    spec = write(tmp_path / "p", {"a.sql": f"""
        CREATE OR REFRESH STREAMING TABLE raw
        AS SELECT * FROM STREAM read_files('{landing}', format => 'json', `cloudFiles.noSuchOption` => 'x');
    """}, name="pipe_failing_source")
    with pytest.raises(pipelines.FlowFailedError) as err:
        pipelines.run(spec, spark=spark, quiet=True)
    line = str(err.value).splitlines()[0]
    assert "[CLOUDFILES_OPTION] Unknown option 'cloudfiles.nosuchoption'" in line and "Traceback" not in line, line
    logged = pipelines.event_log(spec, spark=spark).where("event_type = 'flow_progress' AND level = 'ERROR'")
    assert "Unknown option 'cloudfiles.nosuchoption'" in logged.first().error.exceptions[0].message


def test_private_tables_are_read_in_the_pipeline_and_not_published(spark, tmp_path):
    """``CREATE PRIVATE MATERIALIZED VIEW`` (MV) and legacy ``@dlt.table(temporary=True)`` (PY):
    "not added to the catalog and only accessible within the defining pipeline" (ST, PRIVATE)."""
    spec = write(tmp_path, {"a.sql": """
        CREATE OR REFRESH PRIVATE MATERIALIZED VIEW staged AS SELECT 1 AS x UNION ALL SELECT 2;
        CREATE OR REFRESH MATERIALIZED VIEW published AS SELECT sum(x) AS total FROM staged;
    """, "b.py": """
        import dlt

        @dlt.table(temporary=True)
        def scratch():
            return dlt.read("published")

        @dlt.table
        def copied():
            return spark.read.table("scratch")
    """}, name="pipe_private")
    pipelines.run(spec, spark=spark, full_refresh=True, quiet=True)
    assert [r.total for r in spark.table("pipe_private.published").collect()] == [3]
    assert [r.total for r in spark.table("pipe_private.copied").collect()] == [3]
    assert not spark.catalog.tableExists("pipe_private.staged")
    assert not spark.catalog.tableExists("pipe_private.scratch")
    assert spark.catalog.tableExists("pipe_private__pipeline_private.staged")


# --- the pipeline's root folder; our own pipeline files (no Spark) --------------------------------------
ROOT_FOLDER = "https://docs.databricks.com/aws/en/ldp/import-workspace-files"


def test_a_file_imports_a_module_of_the_pipeline_root_folder_and_an_edit_is_read_again(tmp_path):
    """"Your pipeline root folder is automatically appended to the sys.path" (ROOT_FOLDER): the spec's
    folder locally. What was imported from it is forgotten after the load, so the next load reads an
    edited module, and two pipelines may each keep a module of the same name."""
    import sys

    from lakehouse.pipelines import load_spec

    (tmp_path / "transformations").mkdir()
    (tmp_path / "spark-pipeline.yml").write_text(
        "name: rooted\nstorage: state\nlibraries:\n  - glob:\n      include: transformations/**\n")
    (tmp_path / "rules_of_root.py").write_text("RULES = {'has_id': 'id IS NOT NULL'}\n")
    (tmp_path / "transformations" / "t.py").write_text(textwrap.dedent("""
        from pyspark import pipelines as dp
        from rules_of_root import RULES

        @dp.table
        @dp.expect_all_or_drop(RULES)
        def t():
            return None
        """))
    spec = load_spec(tmp_path)
    declared = load_files(spec.source_files(), spark=None, spec=spec).datasets["t"].expectations
    assert [(e.name, e.constraint, e.action) for e in declared] == [("has_id", "id IS NOT NULL", "drop")]
    assert "rules_of_root" not in sys.modules and str(tmp_path) not in sys.path
    (tmp_path / "rules_of_root.py").write_text("RULES = {'has_key': 'key IS NOT NULL'}\n")
    declared = load_files(spec.source_files(), spark=None, spec=spec).datasets["t"].expectations
    assert [e.name for e in declared] == ["has_key"]
    with pytest.raises(PipelineDefinitionError, match=r"t\.py, line \d+: ModuleNotFoundError"):
        load_files(spec.source_files(), spark=None)  # no spec: no root folder on sys.path


def _pipeline_sources_in_notebook(path):
    """The pipeline files a lab notebook writes: its %%writefile cells and its *_SOURCE strings."""
    import re

    cells = ["".join(c["source"]) for c in json.loads(path.read_text())["cells"] if c["cell_type"] == "code"]
    files = [c.split("\n", 1)[1] for c in cells if c.startswith("%%writefile")]
    files += [m.group(1) for c in cells for m in re.finditer(r'_SOURCE = """(.*?)"""', c, re.S)]
    files += [m.group(1) for c in cells for m in re.finditer(r"write_text\('''(.*?)'''\)", c, re.S)]
    return files


def test_our_pipeline_files_use_the_databricks_imports_and_no_lakehouse_import():
    """Our own pipeline files (the C360 pipeline with its root-folder modules, labs 06 and 07 and their
    reference answers) import the API as the Databricks docs do (PY: ``from pyspark import pipelines as
    dp``) and nothing from ``lakehouse``, so they run unchanged in a Databricks pipeline."""
    import ast
    from pathlib import Path

    from lakehouse.course.labs import lab07_declarative_pipelines as lab07

    repo = Path(__file__).resolve().parents[1]
    root = repo / "lakehouse" / "c360" / "pipelines"
    sources = {str(p.relative_to(repo)): p.read_text() for p in root.rglob("*.py") if p.name != "__init__.py"}
    for folder in ("solutions", "labs"):
        for lab in ("06_expectations_quality", "07_declarative_pipelines"):
            for i, text in enumerate(_pipeline_sources_in_notebook(repo / folder / f"{lab}.ipynb")):
                sources[f"{folder}/{lab} file {i}"] = text
    sources.update({f"lab07.{n}": getattr(lab07, n) for n in dir(lab07) if n.endswith(("_SOURCE", "_SQL"))})
    sql = [where for where, text in sources.items() if text.lstrip().startswith("--")]
    python = {where: text for where, text in sources.items() if where not in sql}
    assert len(python) == 20 and len(sql) == 3, (sorted(python), sql)  # lab 07's SQL twin: reference, solution, lab
    for where, text in python.items():
        tree = ast.parse(text)
        imported = [n.module if isinstance(n, ast.ImportFrom) else a.name for n in ast.walk(tree)
                    if isinstance(n, (ast.Import, ast.ImportFrom)) for a in n.names]
        assert not [m for m in imported if m and m.split(".")[0] == "lakehouse"], where
        if any(isinstance(n, ast.Name) and n.id == "dp" for n in ast.walk(tree)):
            assert "from pyspark import pipelines as dp" in text, where
