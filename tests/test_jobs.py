"""The local Jobs runner on small real jobs: Python tasks in subprocesses, one tiny notebook
(papermill), condition tasks; run_if, retries, timeouts, parameters, task values, the run record,
validation errors, Quartz schedules, dbutils. No Spark is needed here.
"""

from __future__ import annotations

import json
import sys
import textwrap
from datetime import datetime
from pathlib import Path

import nbformat
import pytest

from lakehouse.cli import main as cli_main
from lakehouse.dbutils import LocalDbutils
from lakehouse.jobs import (JobDefinitionError, JobParameterError, ScheduleError, load_job, next_runs, run_job,
                            validate_job)
from lakehouse.jobs.errors import DbutilsError
from lakehouse.jobs.schedule import to_croniter

REPO = Path(__file__).resolve().parents[1]


def _py(tmp_path: Path, name: str, body: str) -> str:
    path = tmp_path / f"{name}.py"
    path.write_text(textwrap.dedent(body))
    return str(path)


def _run(tmp_path, job, **kw):
    return run_job(job, live=False, run_root=tmp_path / "runs", **kw)


def _states(record) -> dict:
    """task_key -> result_state of its last attempt."""
    return {t["task_key"]: t["state"]["result_state"] for t in record["tasks"]}


def _cond(key, deps=(), run_if=None, value="1"):
    task = {"task_key": key, "condition_task": {"op": "EQUAL_TO", "left": value, "right": "1"}}
    if deps:
        task["depends_on"] = [{"task_key": d} if isinstance(d, str) else d for d in deps]
    if run_if:
        task["run_if"] = run_if
    return task


# --- retries and timeouts ---------------------------------------------------------------------

def test_retry_fails_on_attempt_0_and_passes_on_attempt_1(tmp_path):
    flaky = _py(tmp_path, "flaky", f"""
        import pathlib, sys
        marker = pathlib.Path({str(tmp_path / 'marker')!r})
        if not marker.exists():
            marker.touch(); sys.exit("first attempt fails")
        print("second attempt passes")
    """)
    job = {"name": "retry", "tasks": [{"task_key": "flaky", "spark_python_task": {"python_file": flaky},
                                       "max_retries": 2, "min_retry_interval_millis": 300}]}
    record = _run(tmp_path, job)
    attempts = [t for t in record["tasks"] if t["task_key"] == "flaky"]
    assert [(t["attempt_number"], t["state"]["result_state"]) for t in attempts] == [(0, "FAILED"), (1, "SUCCESS")]
    assert attempts[0]["state"]["state_message"] == "first attempt fails"
    assert attempts[1]["original_attempt_run_id"] == attempts[0]["run_id"] != attempts[1]["run_id"]
    assert attempts[1]["start_time"] - attempts[0]["end_time"] >= 300  # min_retry_interval_millis
    assert record["state"] == {"life_cycle_state": "TERMINATED", "result_state": "SUCCESS", "state_message": ""}
    assert record["start_time"] <= attempts[0]["start_time"] <= attempts[1]["end_time"] <= record["end_time"]


def test_retries_run_out_and_timeouts_retry_only_with_retry_on_timeout(tmp_path):
    fail = _py(tmp_path, "fail", "import sys; sys.exit('always fails')")
    slow = _py(tmp_path, "slow", "import time; time.sleep(60)")
    job = {"name": "limits", "tasks": [
        {"task_key": "fails", "spark_python_task": {"python_file": fail}, "max_retries": 1},
        {"task_key": "slow", "spark_python_task": {"python_file": slow}, "timeout_seconds": 1, "max_retries": 1},
        {"task_key": "slow_retried", "spark_python_task": {"python_file": slow}, "timeout_seconds": 1,
         "max_retries": 1, "retry_on_timeout": True}]}
    record = _run(tmp_path, job)
    tries = sorted((t["task_key"], t["attempt_number"], t["state"]["result_state"]) for t in record["tasks"])
    assert tries == [("fails", 0, "FAILED"), ("fails", 1, "FAILED"), ("slow", 0, "TIMEDOUT"),
                     ("slow_retried", 0, "TIMEDOUT"), ("slow_retried", 1, "TIMEDOUT")]
    assert all(t["run_duration"] < 30_000 for t in record["tasks"])  # killed, not waited for
    assert record["state"]["result_state"] == "FAILED"


# --- run_if -------------------------------------------------------------------------------------

EXPECTED_RUN_IF = {
    # run_if: (deps [ok, bad], deps [ok, ok2], deps [bad, bad2])  — docs.databricks.com/jobs/run-if.html
    "ALL_SUCCESS": ("UPSTREAM_FAILED", "SUCCESS", "UPSTREAM_FAILED"),
    "AT_LEAST_ONE_SUCCESS": ("SUCCESS", "SUCCESS", "UPSTREAM_FAILED"),
    "NONE_FAILED": ("UPSTREAM_FAILED", "SUCCESS", "UPSTREAM_FAILED"),
    "ALL_DONE": ("SUCCESS", "SUCCESS", "SUCCESS"),
    "AT_LEAST_ONE_FAILED": ("SUCCESS", "EXCLUDED", "SUCCESS"),
    "ALL_FAILED": ("EXCLUDED", "EXCLUDED", "SUCCESS"),
}


def test_independent_tasks_run_side_by_side(tmp_path):
    slow = _py(tmp_path, "slow", "import time; time.sleep(2)")
    job = {"name": "parallel", "tasks": [{"task_key": k, "spark_python_task": {"python_file": slow}} for k in "ab"]
           + [_cond("after", ["a", "b"])]}
    record = _run(tmp_path, job)
    a, b, after = (next(t for t in record["tasks"] if t["task_key"] == k) for k in ("a", "b", "after"))
    assert a["start_time"] < b["end_time"] and b["start_time"] < a["end_time"]  # they overlapped
    assert after["start_time"] >= max(a["end_time"], b["end_time"])             # and the join waited for both


def test_every_run_if_value(tmp_path):
    fail = _py(tmp_path, "fail", "import sys; sys.exit(1)")
    tasks = [_cond("ok"), _cond("ok2"),
             {"task_key": "bad", "spark_python_task": {"python_file": fail}},
             {"task_key": "bad2", "spark_python_task": {"python_file": fail}}]
    groups = {"mixed": ("ok", "bad"), "good": ("ok", "ok2"), "failed": ("bad", "bad2")}
    for rule in EXPECTED_RUN_IF:
        tasks += [_cond(f"{rule}_{g}", deps, rule) for g, deps in groups.items()]
    record = _run(tmp_path, {"name": "run_if", "tasks": tasks})
    got = _states(record)
    for rule, expected in EXPECTED_RUN_IF.items():
        assert tuple(got[f"{rule}_{g}"] for g in groups) == expected, rule
    skipped = [t for t in record["tasks"] if t["state"]["result_state"] in ("UPSTREAM_FAILED", "EXCLUDED")]
    assert skipped and all(t["state"]["life_cycle_state"] == "SKIPPED" for t in skipped)


def test_excluded_counts_as_success_and_all_excluded_is_excluded(tmp_path):
    tasks = [_cond("ok"),
             _cond("on_failure", ["ok"], "AT_LEAST_ONE_FAILED"),       # EXCLUDED
             _cond("after_both", ["ok", "on_failure"]),                # ALL_SUCCESS: excluded counts as success
             _cond("none_failed", ["ok", "on_failure"], "NONE_FAILED"),
             _cond("only_excluded", ["on_failure"], "ALL_DONE")]       # all dependencies excluded
    got = _states(_run(tmp_path, {"name": "excluded", "tasks": tasks}))
    assert got == {"ok": "SUCCESS", "on_failure": "EXCLUDED", "after_both": "SUCCESS", "none_failed": "SUCCESS",
                   "only_excluded": "EXCLUDED"}


def test_condition_task_branches(tmp_path):
    tasks = [{"task_key": "big", "condition_task": {"op": "GREATER_THAN", "left": "{{job.parameters.n}}", "right": "9"}},
             _cond("when_true", [{"task_key": "big", "outcome": "true"}]),
             _cond("when_false", [{"task_key": "big", "outcome": "false"}]),
             _cond("after_false", ["when_false"]),
             _cond("join", ["when_true", "when_false"])]
    job = {"name": "branch", "tasks": tasks, "parameters": [{"name": "n", "default": "10"}]}
    record = _run(tmp_path, job)
    assert record["tasks"][0]["condition_task"] == {"op": "GREATER_THAN", "left": "10", "right": "9", "outcome": "true"}
    assert _states(record) == {"big": "SUCCESS", "when_true": "SUCCESS", "when_false": "EXCLUDED",
                               "after_false": "EXCLUDED", "join": "SUCCESS"}
    # numbers compare as numbers: "9" < "10"; the other branch with a parameter override
    got = _states(_run(tmp_path, job, params={"n": "9"}))
    assert (got["when_true"], got["when_false"], got["join"]) == ("EXCLUDED", "SUCCESS", "SUCCESS")


# --- parameters, task values, notebooks, the CLI and its record -------------------------------------

def _notebook(tmp_path: Path) -> str:
    code = textwrap.dedent("""
        from lakehouse.dbutils import dbutils
        dbutils.widgets.text("greeting", "hello")
        dbutils.widgets.text("who", "nobody")
        dbutils.jobs.taskValues.set(key="message", value=dbutils.widgets.get("greeting") + " " + dbutils.widgets.get("who"))
        dbutils.jobs.taskValues.set(key="n", value=42)
        dbutils.notebook.exit("done")
        raise RuntimeError("not reached: exit ends the notebook")
    """)
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, tmp_path / "say.ipynb")
    return str(tmp_path / "say")  # as on Databricks: no extension


def test_parameters_and_task_values_flow_through_a_notebook_and_the_cli(tmp_path):
    echo = _py(tmp_path, "echo", f"""
        import sys, pathlib
        pathlib.Path({str(tmp_path / 'echo.txt')!r}).write_text("|".join(sys.argv[1:]))
    """)
    job = {"name": "flow", "parameters": [{"name": "who", "default": "world"}, {"name": "unused", "default": "x"}],
           "tasks": [
               {"task_key": "say", "notebook_task": {"notebook_path": _notebook(tmp_path),
                                                     "base_parameters": {"greeting": "hi", "who": "base"}}},
               {"task_key": "is_42", "depends_on": [{"task_key": "say"}],
                "condition_task": {"op": "EQUAL_TO", "left": "{{tasks.say.values.n}}", "right": "42"}},
               {"task_key": "echo", "depends_on": [{"task_key": "is_42", "outcome": "true"}],
                "spark_python_task": {"python_file": echo, "parameters": [
                    "{{tasks.say.values.message}}", "{{job.parameters.who}}", "{{task.name}}"]}}]}
    path = tmp_path / "flow.json"
    path.write_text(json.dumps(job))
    out = tmp_path / "run.json"
    rc = cli_main(["jobs", "run", str(path), "--param", "who=learner", "--output", str(out)])
    record = json.loads(out.read_text())
    assert rc == 0 and record["state"]["result_state"] == "SUCCESS"
    # job parameters override base_parameters of the same name (pushed down as widgets)
    assert record["task_values"]["say"] == {"message": "hi learner", "n": 42}
    assert (tmp_path / "echo.txt").read_text() == "hi learner|learner|echo"
    say = record["tasks"][0]
    assert say["notebook_output"] == {"result": "done"} and say["attempt_number"] == 0
    assert {"name": "who", "default": "world", "value": "learner"} in record["job_parameters"]
    assert all(isinstance(t[k], int) for t in record["tasks"] for k in ("start_time", "end_time", "run_id"))


def test_cli_exit_code_is_1_when_the_run_failed(tmp_path, capsys):
    fail = _py(tmp_path, "fail", "import sys; sys.exit('broken on purpose')")
    path = tmp_path / "fail.json"
    path.write_text(json.dumps({"name": "f", "tasks": [{"task_key": "a", "spark_python_task": {"python_file": fail}}]}))
    assert cli_main(["jobs", "run", str(path)]) == 1
    assert "broken on purpose" in capsys.readouterr().out  # the live view shows the failure
    assert cli_main(["jobs", "run", str(path), "--param", "nope=1"]) == 2  # an unknown parameter: one error line
    assert "JOB_PARAMETER_INVALID" in capsys.readouterr().err


def test_a_missing_task_value_fails_the_task_that_references_it(tmp_path):
    job = {"name": "ref", "tasks": [_cond("a"), {"task_key": "b", "depends_on": [{"task_key": "a"}], "condition_task":
                                                 {"op": "EQUAL_TO", "left": "{{tasks.a.values.nothing}}", "right": "1"}}]}
    record = _run(tmp_path, job)
    assert _states(record)["b"] == "FAILED" and "tasks.a.values.nothing" in record["tasks"][1]["state"]["state_message"]


# --- validation: one clear error each, before anything runs -------------------------------------------

def _job(**task_fields):
    return {"name": "v", "tasks": [{"task_key": "a", **task_fields}]}


COND = {"condition_task": {"op": "EQUAL_TO", "left": "1", "right": "1"}}


@pytest.mark.parametrize("job", [
    {**_job(**COND), "colour": "blue"},                                     # unknown job field
    _job(**COND, retries=3),                                                # unknown task field
    _job(**COND, run_if="SOMETIMES"),                                       # bad enum
    _job(condition_task={"op": "ROUGHLY", "left": "1", "right": "1"}),      # bad enum inside a task type
    _job(),                                                                 # no task type
    _job(sql_task={"query": {"query_id": "1"}}),                            # a type the runner cannot run
    _job(**COND, depends_on=[{"task_key": "ghost"}]),                       # unknown depends_on
    {"name": "v", "tasks": [{**COND, "task_key": "a", "depends_on": [{"task_key": "b"}]},
                            {**COND, "task_key": "b", "depends_on": [{"task_key": "a"}]}]},   # cycle
    _job(notebook_task={"notebook_path": "lakehouse/c360/jobs/notebooks/nowhere"}),          # missing notebook
    {"name": "v", "tasks": [{**COND, "task_key": "a"}, {**COND, "task_key": "a"}]},           # duplicate key
    _job(**COND, max_retries="2"),
    _job(condition_task={"op": "EQUAL_TO", "left": "{{job.parameters.day}}", "right": "1"}),   # no such parameter
    _job(condition_task={"op": "EQUAL_TO", "left": "{{tasks.ghost.values.n}}", "right": "1"}),  # no such task
    "not a dict",
])
def test_invalid_definitions_raise_one_clear_error(job):
    with pytest.raises(JobDefinitionError) as info:
        validate_job(job)
    assert info.value.code == "JOB_DEFINITION_INVALID"


@pytest.mark.parametrize("expression", ["0 0 6 * *", "0 0 6 * * MON", "0 0 6 ? * 8", "0 0 6 ? * 0", "0 99 6 * * ?"])
def test_malformed_cron_is_a_schedule_error(expression):
    with pytest.raises(ScheduleError) as info:
        validate_job({**_job(**COND), "schedule": {"quartz_cron_expression": expression, "timezone_id": "UTC"}})
    assert info.value.code == "JOB_SCHEDULE_INVALID"


def test_bad_json_unknown_parameter_and_bad_param_syntax(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{ not json")
    with pytest.raises(JobDefinitionError):
        load_job(bad)
    with pytest.raises(JobParameterError):
        run_job(_job(**COND), params={"x": "1"}, live=False, run_root=tmp_path)
    assert cli_main(["jobs", "run", str(bad)]) == 2
    from lakehouse.jobs.runner import parse_params

    with pytest.raises(JobParameterError):
        parse_params(["no-equals-sign"])


def test_validation_leaves_the_callers_dict_alone():
    job = _job(**COND)
    before = json.dumps(job, sort_keys=True)
    validate_job(job)
    assert json.dumps(job, sort_keys=True) == before


def test_the_course_jobs_are_valid():
    for name in ("daily_job", "streaming_job"):
        job = load_job(REPO / "lakehouse" / "c360" / "jobs" / f"{name}.json")
        assert job["schedule"]["pause_status"] == "PAUSED"


def test_the_course_jobs_match_the_databricks_bundles_model():
    bundles = pytest.importorskip("databricks.bundles.jobs")  # optional: the Databricks License (pyproject.toml)
    for name in ("daily_job", "streaming_job"):
        bundles.Job.from_dict(json.loads((REPO / "lakehouse" / "c360" / "jobs" / f"{name}.json").read_text()))
    with pytest.raises(ValueError):
        bundles.Job.from_dict({"name": "x", "tasks": [{"task_key": "a", "run_if": "SOMETIMES"}]})


# --- Quartz schedules -----------------------------------------------------------------------------

START = datetime(2026, 1, 1)  # a Thursday


def _fmt(expression, count=3, tz="UTC"):
    return [t.strftime("%a %Y-%m-%d %H:%M:%S") for t in next_runs(expression, tz, count=count, start=START)]


def test_quartz_documented_examples():
    # Examples of the Quartz CronTrigger tutorial (quartz-scheduler.org, "Example Cron Expressions")
    assert _fmt("0 0 12 * * ?", 2) == ["Thu 2026-01-01 12:00:00", "Fri 2026-01-02 12:00:00"]       # noon every day
    assert _fmt("0 15 10 ? * *", 1) == ["Thu 2026-01-01 10:15:00"]
    assert _fmt("0 0/5 14 * * ?", 2) == ["Thu 2026-01-01 14:00:00", "Thu 2026-01-01 14:05:00"]
    assert _fmt("0 0-5 14 * * ?", 7)[-1] == "Fri 2026-01-02 14:00:00"                              # 14:00..14:05
    assert _fmt("0 10,44 14 ? 3 WED", 2) == ["Wed 2026-03-04 14:10:00", "Wed 2026-03-04 14:44:00"]
    assert _fmt("0 15 10 ? * MON-FRI", 3) == ["Thu 2026-01-01 10:15:00", "Fri 2026-01-02 10:15:00",
                                              "Mon 2026-01-05 10:15:00"]
    assert _fmt("0 15 10 15 * ?", 1) == ["Thu 2026-01-15 10:15:00"]
    assert _fmt("0 15 10 L * ?", 2) == ["Sat 2026-01-31 10:15:00", "Sat 2026-02-28 10:15:00"]      # last day of month
    assert _fmt("0 15 10 L-2 * ?", 2) == ["Thu 2026-01-29 10:15:00", "Thu 2026-02-26 10:15:00"]    # 2nd-to-last day
    assert _fmt("0 15 10 LW * ?", 2) == ["Fri 2026-01-30 10:15:00", "Fri 2026-02-27 10:15:00"]     # last weekday
    assert _fmt("0 15 10 15W * ?", 2) == ["Thu 2026-01-15 10:15:00", "Mon 2026-02-16 10:15:00"]    # nearest weekday
    assert _fmt("0 0 12 1/5 * ?", 3)[1:] == ["Tue 2026-01-06 12:00:00", "Sun 2026-01-11 12:00:00"]  # every 5 days from the 1st
    assert _fmt("0 15 10 ? * 6L", 3) == ["Fri 2026-01-30 10:15:00", "Fri 2026-02-27 10:15:00",
                                         "Fri 2026-03-27 10:15:00"]                                # last Friday
    assert _fmt("0 15 10 ? * 6#3", 2) == ["Fri 2026-01-16 10:15:00", "Fri 2026-02-20 10:15:00"]   # third Friday
    assert _fmt("0 11 11 11 11 ?", 1) == ["Wed 2026-11-11 11:11:00"]
    assert _fmt("0 15 10 ? * 6L 2027", 1) == ["Fri 2027-01-29 10:15:00"]                           # optional year


def test_quartz_day_numbers_are_not_unix_numbers():
    # Quartz 1 = Sunday ... 7 = Saturday; Unix cron (and croniter) 0 = Sunday
    assert _fmt("0 0 8 ? * 1", 1) == ["Sun 2026-01-04 08:00:00"]
    assert _fmt("0 0 8 ? * 2-6", 2) == ["Thu 2026-01-01 08:00:00", "Fri 2026-01-02 08:00:00"]
    assert _fmt("0 0 8 ? * 7", 1) == ["Sat 2026-01-03 08:00:00"]
    assert to_croniter("0 0 8 ? * 1,7") == "0 0 8 ? * 0,6"


def test_schedules_resolve_in_their_time_zone():
    paris = next_runs("0 0 6 ? * MON-FRI", "Europe/Paris", count=1, start=datetime(2026, 7, 1))[0]
    assert (paris.hour, paris.utcoffset().total_seconds()) == (6, 7200)  # 06:00 CEST = 04:00 UTC
    with pytest.raises(ScheduleError):
        next_runs("0 0 6 * * ?", "Mars/Olympus", count=1)


def test_next_runs_cli(capsys):
    assert cli_main(["jobs", "next-runs", str(REPO / "lakehouse/c360/jobs/daily_job.json"), "--count", "2"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "Europe/Paris" in lines[0] and len(lines) == 3


# --- dbutils locally ----------------------------------------------------------------------------------

def test_dbutils_widgets_and_task_values_outside_a_job(monkeypatch):
    monkeypatch.delenv("LAKEHOUSE_JOB_CONTEXT", raising=False)
    d = LocalDbutils()
    d.widgets.dropdown("env", "dev", ["dev", "prod"])
    assert d.widgets.get("env") == "dev" and d.widgets.getAll() == {"env": "dev"}
    with pytest.raises(DbutilsError):
        d.widgets.get("missing")
    with pytest.raises(DbutilsError):
        d.widgets.dropdown("env", "qa", ["dev", "prod"])
    assert d.jobs.taskValues.get("t", "k", debugValue=7) == 7
    with pytest.raises(DbutilsError):
        d.jobs.taskValues.get("t", "k")
    d.jobs.taskValues.set("fine", "x" * 100)
    with pytest.raises(DbutilsError):
        d.jobs.taskValues.set("big", "x" * (48 * 1024))  # 48 KiB + the JSON quotes
    with pytest.raises(DbutilsError):
        d.jobs.taskValues.set("obj", object())


def test_dbutils_fs_on_local_and_volume_paths(tmp_path, monkeypatch):
    monkeypatch.setenv("LAKEHOUSE_HOME", str(tmp_path / "home"))
    (tmp_path / "home" / "labs" / "11_workflows_jobs").mkdir(parents=True)
    fs = LocalDbutils().fs
    vol = "/Volumes/main/lab11/files"
    assert fs.mkdirs(f"{vol}/in") and fs.put(f"{vol}/in/a.txt", "hello")
    assert (tmp_path / "home/labs/11_workflows_jobs/in/a.txt").read_text() == "hello"
    with pytest.raises(DbutilsError):
        fs.put(f"{vol}/in/a.txt", "again")
    assert fs.head(f"{vol}/in/a.txt", 4) == "hell"
    fs.cp(f"{vol}/in/a.txt", f"file:{tmp_path}/b.txt")
    fs.mv(f"file:{tmp_path}/b.txt", "dbfs:/tmp/c.txt")
    assert (tmp_path / "home/dbfs/tmp/c.txt").read_text() == "hello"
    assert [(f.name, f.size) for f in fs.ls(f"{vol}/in")] == [("a.txt", 5)]
    assert fs.ls(vol)[0].path == f"{vol}/in/"
    with pytest.raises(DbutilsError):
        fs.rm(f"{vol}/in")  # not empty, no recurse
    assert fs.rm(f"{vol}/in", recurse=True) and not fs.rm(f"{vol}/in")
    with pytest.raises(DbutilsError):
        fs.ls("/Volumes/main/other/vol/missing")


# --- a pipeline task: the local pipeline runner, on the shared test engine ------------------------

def test_pipeline_task_runs_one_update_of_the_pipeline(spark, tmp_path):
    schema = "jobs_pipe"
    spark.sql(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
    folder = tmp_path / "p"
    (folder / "transformations").mkdir(parents=True)
    (folder / "transformations" / "numbers.py").write_text(textwrap.dedent('''
        from pyspark import pipelines as dp

        @dp.materialized_view
        def numbers():
            return spark.range(5)
    '''))
    (folder / "spark-pipeline.yml").write_text(f"name: jobs_pipe\nstorage: state\nschema: {schema}\n"
                                               "libraries:\n  - glob:\n      include: transformations/**\n")
    job = {"name": "pipe", "tasks": [{"task_key": "update", "pipeline_task": {"pipeline_id": str(folder)}}]}
    record = _run(tmp_path, job)
    assert _states(record) == {"update": "SUCCESS"}
    assert spark.table(f"{schema}.numbers").count() == 5
    with pytest.raises(JobDefinitionError):  # locally pipeline_id is a spec path: a missing one is a definition error
        validate_job({"name": "p", "tasks": [{"task_key": "u", "pipeline_task": {"pipeline_id": str(tmp_path / "no.yml")}}]})


def test_bad_arguments_of_the_helpers(tmp_path):
    from lakehouse.dbutils.local import local_path
    from lakehouse.jobs.bundle import validate_bundle
    from lakehouse.jobs.refs import resolve

    with pytest.raises(ScheduleError):
        next_runs("0 0 6 * * ?", count=0)
    with pytest.raises(ScheduleError):
        to_croniter(None)
    with pytest.raises(JobParameterError):
        resolve("{{job.parameters.nope}}", {})
    with pytest.raises(DbutilsError):
        local_path("")
    with pytest.raises(JobDefinitionError):
        validate_bundle(tmp_path / "databricks.yml")
    with pytest.raises(JobDefinitionError):
        load_job(tmp_path / "missing.json")


def test_python_wheel_task_runs_an_installed_entry_point(tmp_path):
    daily = str(REPO / "lakehouse" / "c360" / "jobs" / "daily_job.json")
    job = {"name": "wheel", "tasks": [
        {"task_key": "ok", "python_wheel_task": {"package_name": "lakehouse", "entry_point": "lakehouse",
                                                 "parameters": ["jobs", "validate", daily]}},
        {"task_key": "bad", "python_wheel_task": {"package_name": "lakehouse", "entry_point": "lakehouse",
                                                  "parameters": ["jobs", "validate", str(tmp_path / "none.json")]}},
        {"task_key": "no_entry", "python_wheel_task": {"package_name": "lakehouse", "entry_point": "nope"}}]}
    record = _run(tmp_path, job)
    assert _states(record) == {"ok": "SUCCESS", "bad": "FAILED", "no_entry": "FAILED"}
    no_entry = next(t for t in record["tasks"] if t["task_key"] == "no_entry")
    assert "no entry point nope" in no_entry["state"]["state_message"]
