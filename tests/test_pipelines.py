"""The declarative pipelines runner on the shared engine: expectations, incremental streaming
tables, full refresh, the event log, AUTO CDC, and graph errors found before anything runs."""

from __future__ import annotations

import json
import textwrap

import pytest

from lakehouse import pipelines
from lakehouse.pipelines import ExpectationFailedError, PipelineDefinitionError, PipelineGraphError


def write_pipeline(folder, schema, files: dict, name="demo"):
    (folder / "transformations").mkdir(parents=True, exist_ok=True)
    for fname, body in files.items():
        (folder / "transformations" / fname).write_text(textwrap.dedent(body))
    spec = folder / "spark-pipeline.yml"
    spec.write_text(f"name: {name}\nstorage: state\nschema: {schema}\n"
                    "libraries:\n  - glob:\n      include: transformations/**\n")
    return spec


def land(folder, name, rows):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text("\n".join(json.dumps(r) for r in rows) + "\n")


ORDERS = '''
    from pyspark.sql import functions as F
    from lakehouse import dp

    LANDING = {landing!r}

    @dp.table(comment="orders as they land")
    @dp.expect("has_amount", "amount IS NOT NULL")
    def raw_orders():
        return spark.readStream.format("json").schema("id INT, customer STRING, amount DOUBLE").load(LANDING)

    @dp.temporary_view
    def orders_typed():
        return spark.readStream.table("raw_orders").withColumn("amount", F.col("amount").cast("decimal(10,2)"))

    @dp.table
    @dp.expect_or_drop("positive_amount", "amount > 0")
    @dp.expect_or_drop("has_customer", "customer IS NOT NULL")
    def clean_orders():
        return spark.readStream.table("orders_typed")

    @dp.materialized_view
    def totals():
        return spark.read.table("clean_orders").groupBy("customer").agg(F.sum("amount").alias("total"))
'''

BATCH_1 = [{"id": 1, "customer": "a", "amount": 10.0}, {"id": 2, "customer": "a", "amount": -1.0},
           {"id": 3, "customer": None, "amount": 5.0}, {"id": 4, "customer": None, "amount": None},
           {"id": 5, "customer": "b", "amount": 7.0}]
BATCH_2 = [{"id": 6, "customer": "b", "amount": 3.0}, {"id": 7, "customer": "c", "amount": 0.0}]


def quality(spark, spec, update_id):
    log = pipelines.event_log(spec, spark=spark).where(f"origin.update_id = '{update_id}' "
                                                        "AND event_type = 'flow_progress'")
    out = {}
    for row in log.collect():
        dq = json.loads(row.details)["flow_progress"].get("data_quality")
        for e in (dq or {}).get("expectations", []):
            out[(e["dataset"], e["name"])] = (e["passed_records"], e["failed_records"])
        if dq:
            out[(row.origin.dataset_name, "dropped")] = dq["dropped_records"]
    return out


def test_expectations_incremental_update_full_refresh_and_event_log(spark, tmp_path):
    from lakehouse import sql
    from lakehouse.governance.systables import now

    started = now()
    schema = "pipe_orders"
    spark.sql(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
    landing = tmp_path / "landing"
    land(landing, "b1.json", BATCH_1)
    spec = write_pipeline(tmp_path / "p", schema, {"orders.py": ORDERS.format(landing=str(landing))})

    first = pipelines.run(spec, spark=spark, quiet=True)
    assert first.state == "COMPLETED"
    assert list(first.order).index("raw_orders") < list(first.order).index("clean_orders") < \
        list(first.order).index("totals")
    # NULL amount fails both has_amount (warn) and positive_amount; a row failing two drop
    # expectations (id 4) is dropped once.
    assert first.rows() == {"raw_orders": 5, "clean_orders": 2, "totals": 2}
    q = quality(spark, spec, first.update_id)
    assert q[("raw_orders", "has_amount")] == (4, 1)
    assert q[("clean_orders", "positive_amount")] == (3, 2)
    assert q[("clean_orders", "has_customer")] == (3, 2)
    assert q[("clean_orders", "dropped")] == 3
    assert spark.table(f"{schema}.raw_orders").count() == 5  # warn keeps the row

    land(landing, "b2.json", BATCH_2)
    second = pipelines.run(spec, spark=spark, quiet=True)
    assert second.rows() == {"raw_orders": 2, "clean_orders": 1, "totals": 2}  # only the new file
    assert spark.table(f"{schema}.clean_orders").count() == 3
    assert sorted(tuple(r) for r in spark.table(f"{schema}.totals").collect()) == [("a", 10), ("b", 10)]

    again = pipelines.run(spec, spark=spark, quiet=True, full_refresh=True)
    assert again.rows() == {"raw_orders": 7, "clean_orders": 3, "totals": 2}
    lineage = sql(f"SELECT DISTINCT source_table_full_name AS s, entity_type FROM system.access.table_lineage "
                  f"WHERE target_table_full_name = 'spark_catalog.{schema}.clean_orders' "
                  f"AND event_time >= '{started.isoformat()}'", spark=spark).collect()  # a temporary view is looked through
    assert {(r.s, r.entity_type) for r in lineage} == {(f"spark_catalog.{schema}.raw_orders", "PIPELINE")}
    assert spark.table(f"{schema}.raw_orders").count() == 7

    log = pipelines.event_log(spec, spark=spark)
    assert log.columns == ["id", "sequence", "origin", "timestamp", "message", "level", "maturity_level", "error",
                           "details", "event_type"]
    types = {r.event_type for r in log.select("event_type").distinct().collect()}
    assert {"create_update", "update_progress", "flow_definition", "flow_progress"} <= types
    # The documented Databricks data-quality query runs as written through lakehouse.sql.
    log.createOrReplaceTempView("event_log_raw")
    rows = sql(f"""
        SELECT row_expectations.dataset as dataset, row_expectations.name as expectation,
               SUM(row_expectations.passed_records) as passing_records,
               SUM(row_expectations.failed_records) as failing_records
        FROM (SELECT explode(from_json(details:flow_progress:data_quality:expectations,
                "array<struct<name: string, dataset: string, passed_records: int, failed_records: int>>"))
                row_expectations
              FROM event_log_raw
              WHERE event_type = 'flow_progress' AND origin.update_id = '{first.update_id}')
        GROUP BY row_expectations.dataset, row_expectations.name""", spark=spark).collect()
    assert {(r.dataset, r.expectation): (r.passing_records, r.failing_records) for r in rows}[
        ("clean_orders", "positive_amount")] == (3, 2)


def test_expect_or_fail_stops_the_update_and_the_log_records_it(spark, tmp_path):
    schema = "pipe_fail"
    spark.sql(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
    spec = write_pipeline(tmp_path, schema, {"p.py": '''
        from lakehouse import dp

        @dp.materialized_view
        def good():
            return spark.range(3)

        @dp.materialized_view
        @dp.expect_or_fail("small_id", "id < 2")
        def checked():
            return spark.read.table("good")
    '''})
    with pytest.raises(ExpectationFailedError) as info:
        pipelines.run(spec, spark=spark, quiet=True)
    err = info.value
    assert (err.code, err.expectation, err.dataset, json.loads(err.row)) == \
        ("EXPECTATION_FAILED", "small_id", "checked", {"id": 2})
    assert err.update.state == "FAILED"
    assert spark.table(f"{schema}.good").count() == 3  # written before the failure, consistent
    assert not spark.catalog.tableExists(f"{schema}.checked")
    states = [json.loads(r.details)["update_progress"]["state"] for r in pipelines.event_log(spec, spark=spark)
              .where("event_type = 'update_progress'").orderBy("timestamp").collect()]
    assert states[-1] == "FAILED"


CDC_CHANGES = [(1, "Ada", "London", "INSERT", 1), (2, "Bob", "Paris", "INSERT", 1),
               (1, "Ada", "Leeds", "UPDATE", 3), (1, "Ada", "York", "UPDATE", 2),
               (2, None, None, "DELETE", 4), (3, "Cy", "Rome", "INSERT", 2)]


def test_auto_cdc_scd2_equals_apply_changes_and_legacy_dlt_names(spark, tmp_path):
    from lakehouse.cdc import apply_changes

    schema = "pipe_cdc"
    spark.sql(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
    spark.sql(f"CREATE SCHEMA {schema}")
    changes = spark.createDataFrame(CDC_CHANGES, "id INT, name STRING, city STRING, op STRING, seq INT")
    changes.write.format("delta").saveAsTable(f"{schema}.changes_src")
    args = dict(keys=["id"], sequence_by="seq", apply_as_deletes="op = 'DELETE'", except_column_list=["op", "seq"],
                stored_as_scd_type=2, track_history_column_list=["city"])
    spec = write_pipeline(tmp_path, schema, {"cdc.py": f'''
        import dlt

        @dlt.view
        def changes():
            return spark.readStream.table("{schema}.changes_src")

        dlt.create_streaming_table("people")
        dlt.apply_changes(target="people", source="changes", **{args!r})

        dlt.create_streaming_table("backfill")

        @dlt.append_flow(target="backfill", once=True)
        def backfill_once():
            return spark.read.table("{schema}.changes_src")
    '''})
    result = pipelines.run(spec, spark=spark, quiet=True)
    assert result.datasets["people"].kind == "streaming table"
    again = pipelines.run(spec, spark=spark, quiet=True, refresh=["backfill"])  # a once flow does not run again
    assert again.datasets["people"].status == "EXCLUDED" and again.datasets["backfill"].num_output_rows == 0
    assert spark.table(f"{schema}.backfill").count() == len(CDC_CHANGES)
    apply_changes(f"{schema}.people_reference", changes, **args)
    found = spark.table(f"{schema}.people")
    assert found.columns == spark.table(f"{schema}.people_reference").columns
    assert found.exceptAll(spark.table(f"{schema}.people_reference")).count() == 0
    assert spark.table(f"{schema}.people_reference").exceptAll(found).count() == 0


# --- found before anything runs (no Spark needed for most) ----------------------------------------------
def test_graph_errors_without_spark(tmp_path):
    from lakehouse.pipelines.api import create_streaming_table, expect, registering, table
    from lakehouse.pipelines.graph import validate

    with registering() as reg:
        @table
        @expect("dup", "a > 0")
        @expect("dup", "b > 0")
        def t():
            return None
    with pytest.raises(PipelineGraphError) as info:
        validate(reg, {"t": set()})
    assert info.value.code == "PIPELINE_GRAPH_INVALID" and "dup" in str(info.value)

    with pytest.raises(PipelineGraphError):  # duplicate dataset name
        with registering():
            create_streaming_table("x")
            create_streaming_table("x")

    with registering() as reg:
        @table
        def a():
            return None

        @table
        def b():
            return None
    with pytest.raises(PipelineGraphError) as info:
        validate(reg, {"a": {"b"}, "b": {"a"}})
    assert "cycle" in str(info.value)

    with pytest.raises(PipelineDefinitionError) as info:  # outside a pipeline
        table(lambda: None)
    assert info.value.code == "PIPELINE_DEFINITION_INVALID"
    with pytest.raises(PipelineDefinitionError):
        expect("name", 42)


def test_syntax_error_and_missing_input_name_the_file_and_line(spark, tmp_path):
    spec = write_pipeline(tmp_path / "a", "pipe_bad", {"ok.py": "from lakehouse import dp\n",
                                                       "broken.py": "from lakehouse import dp\n\ndef f(:\n"})
    with pytest.raises(PipelineDefinitionError) as info:
        pipelines.dry_run(spec, spark=spark, quiet=True)
    assert "broken.py, line 3" in str(info.value)

    spec = write_pipeline(tmp_path / "b", "pipe_bad", {"p.py": '''
        from lakehouse import dp

        @dp.materialized_view
        def summary():
            return spark.read.table("no_such_dataset")
    '''})
    with pytest.raises(PipelineGraphError) as info:
        pipelines.run(spec, spark=spark, quiet=True)
    assert "no_such_dataset" in str(info.value) and "p.py:4" in str(info.value)
    assert not (tmp_path / "b" / "state").exists()  # nothing ran


def test_bad_spec_and_cli_exit_code(tmp_path):
    from lakehouse.cli import main
    from lakehouse.pipelines import PipelineSpecError

    (tmp_path / "spark-pipeline.yml").write_text("name: x\nstorage: s\nunknown_field: 1\n")
    with pytest.raises(PipelineSpecError) as info:
        pipelines.load_spec(tmp_path)
    assert info.value.code == "PIPELINE_SPEC_INVALID" and "unknown_field" in str(info.value)
    assert main(["pipelines", "dry-run", "--spec", str(tmp_path)]) == 2


PARITY = '''
{import_line}
from pyspark.sql import functions as F

@dp.materialized_view(format="delta")
def totals():
    return spark.read.table("{src}.orders").groupBy("customer").agg(F.sum("amount").alias("total"))

@dp.table(format="delta")
def positive_orders():
    return spark.readStream.table("{src}.orders").where("amount > 0")

'''


def test_same_tables_as_the_open_source_spark_pipelines_cli(spark, tmp_path, test_home):
    """Materialized view and streaming table: the open-source `spark-pipelines` CLI against the
    shared engine (`SPARK_REMOTE`) and our runner give the same tables. (Its SCD1 AUTO CDC refuses a
    Delta target in the session catalog on 4.2: AUTOCDC_TARGET_DOES_NOT_SUPPORT_MERGE.)"""
    import os
    import subprocess
    import sys

    from lakehouse.runtime.engine import engine_status

    src = "pipe_parity_src"
    for schema in (src, "pipe_parity_oss", "pipe_parity_ours"):
        spark.sql(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
    spark.sql(f"CREATE SCHEMA {src}")
    spark.sql("CREATE SCHEMA pipe_parity_oss")  # spark-pipelines needs its schema to exist (ours creates it)
    spark.createDataFrame([("a", 1.0, 1), ("b", -2.0, 1), ("a", 3.0, 2)], "customer STRING, amount DOUBLE, seq INT") \
        .write.format("delta").saveAsTable(f"{src}.orders")
    oss = write_pipeline(tmp_path / "oss", "pipe_parity_oss",
                         {"p.py": PARITY.format(import_line="from pyspark import pipelines as dp", src=src)})
    oss.write_text(oss.read_text().replace("storage: state", f"storage: file://{tmp_path / 'oss' / 'state'}"))
    ours = write_pipeline(tmp_path / "ours", "pipe_parity_ours",
                          {"p.py": PARITY.format(import_line="from lakehouse import dp", src=src)})
    env = {k: v for k, v in os.environ.items() if k != "SPARK_CONNECT_MODE_ENABLED"}
    env["SPARK_REMOTE"] = engine_status(test_home).url
    done = subprocess.run([sys.executable, "-m", "pyspark.pipelines.cli", "run", "--spec", str(oss)], env=env,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    pipelines.run(ours, spark=spark, quiet=True)
    for table in ("totals", "positive_orders"):
        a, b = spark.table(f"pipe_parity_oss.{table}"), spark.table(f"pipe_parity_ours.{table}")
        assert a.columns == b.columns, table
        assert a.exceptAll(b).count() == 0 and b.exceptAll(a).count() == 0, table


def test_one_rule_set_keeps_the_same_rows_in_a_pipeline_and_in_split(spark, tmp_path):
    """The rules a YAML file holds drop the same rows through ``@dp.expect_all_or_drop`` as
    ``lakehouse.quality.split`` keeps out of ``valid``, and count the same failures."""
    from lakehouse.quality import rules_from_yaml, split

    rules_file = tmp_path / "rules.yml"
    rules_file.write_text("- {name: has_customer, expression: customer IS NOT NULL}\n"
                          "- {name: positive, expression: amount > 0, action: drop}\n"
                          "- {name: small, expression: amount < 100, action: warn, metadata: {owner: finance}}\n")
    schema = "pipe_rules"
    spark.sql(f"CREATE SCHEMA IF NOT EXISTS {schema}")
    rows = [(1, "a", 10.0), (2, "a", -1.0), (3, None, 5.0), (4, None, None), (5, "b", 700.0), (6, "c", None)]
    spark.createDataFrame(rows, "id INT, customer STRING, amount DOUBLE").write.mode("overwrite") \
        .saveAsTable(f"{schema}.orders_source")
    spec = write_pipeline(tmp_path / "p", schema, {"orders.py": f'''
        from pathlib import Path
        from lakehouse import dp
        from lakehouse.quality import rules_from_yaml

        RULES = rules_from_yaml(Path({str(rules_file)!r}).read_text())

        @dp.materialized_view
        @dp.expect_all_or_drop(RULES.as_dict("drop"))
        @dp.expect_all(RULES.as_dict("warn"))
        def orders():
            return spark.read.table("{schema}.orders_source")
    '''})
    result = pipelines.run(spec, spark=spark, quiet=True)

    rules = rules_from_yaml(rules_file.read_text())
    source = spark.table(f"{schema}.orders_source")
    checked = split(source, rules)
    assert sorted(spark.table(f"{schema}.orders").collect()) == sorted(checked.valid.collect()) != []
    counts = {e["name"]: e["failed_records"] for e in result.datasets["orders"].expectations}
    assert counts == {r.name: source.where(~r.passes()).count() for r in rules} == \
        {"has_customer": 2, "positive": 3, "small": 3}
    assert result.datasets["orders"].dropped_records == checked.quarantined.count() == 4
