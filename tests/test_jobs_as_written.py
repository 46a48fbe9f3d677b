"""Jobs as Databricks users write them: bundle YAML (``databricks.yml`` with ``--job``, a
``resources/*.job.yml``), a source-format notebook task that uses the predefined ``spark`` and
``dbutils``, condition operators as the docs' table says, and the job-level ``timeout_seconds``."""

from __future__ import annotations

import textwrap
import time
from pathlib import Path

import pytest
import yaml

from lakehouse.cli import main as cli_main
from lakehouse.jobs import JobDefinitionError, load_job, run_job
from lakehouse.jobs.tasks import compare

NOTEBOOK = """# Databricks notebook source
# MAGIC %md
# MAGIC Counts rows and hands the count to the next task.

# COMMAND ----------

dbutils.widgets.text("rows", "1")
n = spark.range(int(dbutils.widgets.get("rows"))).count()
dbutils.jobs.taskValues.set(key="rows", value=n)
"""


def _states(record) -> dict:
    return {t["task_key"]: t["state"]["result_state"] for t in record["tasks"]}


def _write_bundle(root: Path) -> Path:
    (root / "src").mkdir(parents=True)
    (root / "src" / "count.py").write_text(NOTEBOOK)
    (root / "resources").mkdir()
    job = {"resources": {"jobs": {"counting": {
        "name": "counting", "parameters": [{"name": "rows", "default": "${var.rows}"}],
        "tasks": [
            {"task_key": "count", "notebook_task": {"notebook_path": "../src/count.py"}},
            {"task_key": "many", "depends_on": [{"task_key": "count"}],
             "condition_task": {"op": "GREATER_THAN", "left": "{{tasks.count.values.rows}}", "right": "9"}},
            {"task_key": "report", "depends_on": [{"task_key": "many", "outcome": "true"}],
             "condition_task": {"op": "EQUAL_TO", "left": "{{tasks.count.values.rows}}", "right": "12"}}]}}}}
    (root / "resources" / "counting.job.yml").write_text(yaml.safe_dump(job))
    (root / "resources" / "other.job.yml").write_text(yaml.safe_dump(
        {"resources": {"jobs": {"other": {"name": "other", "tasks": [
            {"task_key": "c", "condition_task": {"op": "EQUAL_TO", "left": "1", "right": "1"}}]}}}}))
    bundle = {"bundle": {"name": "b"}, "include": ["resources/*.yml"],
              "variables": {"rows": {"description": "rows to count", "default": "12"}}}
    (root / "databricks.yml").write_text(yaml.safe_dump(bundle))
    return root / "databricks.yml"


def test_a_bundle_job_with_a_source_format_notebook_task_and_task_values_runs(test_home, tmp_path):
    bundle = _write_bundle(tmp_path / "proj")
    record = run_job(bundle, job_key="counting", live=False, run_root=tmp_path / "runs")
    assert _states(record) == {"count": "SUCCESS", "many": "SUCCESS", "report": "SUCCESS"}, record["tasks"]
    assert record["task_values"]["count"] == {"rows": 12}  # ${var.rows} -> job parameter -> widget -> spark
    assert record["tasks"][1]["condition_task"]["outcome"] == "true"


def test_bundle_yaml_selection_and_validation(tmp_path, capsys):
    bundle = _write_bundle(tmp_path / "proj")
    with pytest.raises(JobDefinitionError) as info:
        load_job(bundle)
    assert "defines 2 jobs (counting, other)" in str(info.value) and "--job" in str(info.value)
    assert load_job(tmp_path / "proj" / "resources" / "other.job.yml")["name"] == "other"  # one job: no --job
    assert cli_main(["jobs", "validate", str(bundle), "--job", "counting"]) == 0
    assert "job 'counting' is valid (3 tasks)" in capsys.readouterr().out
    with pytest.raises(JobDefinitionError) as info:
        load_job(bundle, "nope")
    assert "has no job 'nope'" in str(info.value)
    # a resource file alone cannot resolve ${var.rows}: it names the variable and where to declare it
    with pytest.raises(JobDefinitionError) as info:
        load_job(tmp_path / "proj" / "resources" / "counting.job.yml")
    assert "${var.rows}" in str(info.value)
    assert load_job(bundle, "counting")["tasks"][0]["notebook_task"]["notebook_path"].endswith("src/count.py")
    (tmp_path / "proj" / "src" / "count.py").write_text("print('a plain Python file')\n")  # not a notebook
    with pytest.raises(JobDefinitionError) as info:
        load_job(bundle, "counting")
    assert "count.py" in str(info.value) and "no notebook at" in str(info.value)


# The table of https://docs.databricks.com/jobs/if-else.html: == and != compare strings,
# >, >=, <, <= compare numbers.
@pytest.mark.parametrize("op, left, right, expected", [
    ("EQUAL_TO", "12.0", "12", False),
    ("NOT_EQUAL", "12.0", "12", True),
    ("EQUAL_TO", "true", "true", True),
    ("GREATER_THAN_OR_EQUAL", "12.0", "12", True),
    ("GREATER_THAN_OR_EQUAL", "10.0", "12", False),
    ("LESS_THAN", "9", "10", True),  # as strings "9" > "10"
    ("LESS_THAN_OR_EQUAL", "12", "12.0", True),
    ("GREATER_THAN", "10", "9", True),
])
def test_condition_operators_follow_the_docs_table(op, left, right, expected):
    assert compare(op, left, right) is expected


def test_an_ordering_condition_on_a_non_number_fails_the_task(tmp_path):
    job = {"name": "c", "tasks": [{"task_key": "c", "condition_task": {"op": "GREATER_THAN", "left": "abc", "right": "1"}}]}
    record = run_job(job, live=False, run_root=tmp_path)
    entry = record["tasks"][0]
    assert entry["state"]["result_state"] == "FAILED" and "'abc' is not one" in entry["state"]["state_message"]


def test_the_job_timeout_ends_the_run(tmp_path):
    sleeper = tmp_path / "sleep.py"
    sleeper.write_text(textwrap.dedent("import time\ntime.sleep(60)\n"))
    job = {"name": "slow", "timeout_seconds": 2, "tasks": [
        {"task_key": "quick", "condition_task": {"op": "EQUAL_TO", "left": "1", "right": "1"}},
        {"task_key": "sleep", "spark_python_task": {"python_file": str(sleeper)}, "max_retries": 3},
        {"task_key": "after", "depends_on": [{"task_key": "sleep"}],
         "condition_task": {"op": "EQUAL_TO", "left": "1", "right": "1"}}]}
    start = time.monotonic()
    record = run_job(job, live=False, run_root=tmp_path / "runs")
    assert time.monotonic() - start < 45  # not the task's 60 s, nor its retries
    assert record["state"]["result_state"] == "TIMEDOUT"
    assert _states(record) == {"quick": "SUCCESS", "sleep": "TIMEDOUT", "after": "CANCELED"}
    assert len([t for t in record["tasks"] if t["task_key"] == "sleep"]) == 1  # no retry after the job's timeout
