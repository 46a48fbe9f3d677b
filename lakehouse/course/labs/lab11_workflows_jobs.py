"""Checks of lab 11 · Workflows and jobs: the daily job's retries and run_if, its run record, the
tasks that did not run, a Quartz schedule, the Databricks bundle.

Expected results come from the documented Jobs semantics (https://docs.databricks.com/jobs/run-if.html)
and the course's reference job (``lakehouse/c360/jobs/daily_job.json``).

Example:
    >>> from lakehouse.course.labs.lab11_workflows_jobs import CHECKS
    >>> [c.name for c in CHECKS if c.todo]
    ['daily_job', 'upstream_failed', 'last_friday']
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from ..grading import Check, NotAnswered, assert_equal, expect

RUN_IF_DOC = "https://docs.databricks.com/jobs/run-if.html"
RETRY_DOC = "https://docs.databricks.com/jobs/configure-task.html"
RUNS_DOC = "https://docs.databricks.com/api/workspace/jobs/getrun"
SCHEDULE_DOC = "https://docs.databricks.com/jobs/scheduled"
BUNDLE_DOC = "https://docs.databricks.com/dev-tools/bundles/"
LAST_FRIDAY = "0 30 6 ? * 6L"

def _tasks(job: dict) -> dict:
    return {t["task_key"]: t for t in job["tasks"]}


def _daily_job(ctx, value, **given):
    from ...jobs import JobError, validate_job

    expect(isinstance(value, dict), f"daily_job is a {type(value).__name__}, expected the job settings as a dict")
    try:
        validate_job(value)
    except JobError as exc:
        raise AssertionError(f"the job is not valid: {str(exc).splitlines()[0]}") from None
    tasks = _tasks(value)
    flaky = tasks.get("flaky_load", {})
    expect(flaky.get("max_retries", 0) >= 1, "flaky_load has no retries (max_retries), so its first failure is final")
    expect(flaky.get("min_retry_interval_millis", 0) > 0, "flaky_load retries at once: set a wait between attempts")
    assert_equal(tasks["alert"].get("run_if", "ALL_SUCCESS"), "AT_LEAST_ONE_FAILED", "the run_if of alert")
    return assert_equal(tasks["cleanup"].get("run_if", "ALL_SUCCESS"), "ALL_DONE", "the run_if of cleanup")


def _record(run_file) -> dict:
    path = Path(run_file)
    if not path.is_file():
        raise NotAnswered(f"no run record at {path}: run the job with --output first")
    return json.loads(path.read_text())


def _last(run: dict) -> dict:
    return {t["task_key"]: t for t in run["tasks"]}  # the last attempt of each task


def _daily_run(ctx, value, *, run_file, exit_code):
    run = _record(run_file)
    last = _last(run)
    attempts = [(t["attempt_number"], t["state"]["result_state"]) for t in run["tasks"] if t["task_key"] == "flaky_load"]
    assert_equal(attempts, [(0, "FAILED"), (1, "SUCCESS")], "flaky_load's attempts")
    states = {k: t["state"]["result_state"] for k, t in last.items()}
    expected = {"ingest": "SUCCESS", "has_rows": "SUCCESS", "publish": "SUCCESS", "no_data": "EXCLUDED",
                "enrich": "FAILED", "enrich_report": "UPSTREAM_FAILED", "alert": "EXCLUDED", "cleanup": "SUCCESS"}
    for key, state in expected.items():
        assert_equal(states.get(key), state, f"the result of {key}")
    assert_equal(last["has_rows"]["condition_task"]["outcome"], "true", "the outcome of has_rows")
    rows = int(next(p["value"] for p in run["job_parameters"] if p["name"] == "rows"))
    assert_equal(run["task_values"].get("ingest", {}).get("rows"), rows, "the task value ingest.rows")
    assert_equal(run["state"]["result_state"], "SUCCESS_WITH_FAILURES", "the run's result_state")
    assert_equal(exit_code, 0, "the exit code of `lakehouse jobs run` (SUCCESS_WITH_FAILURES counts as succeeded)")
    revenue = ctx.spark.table(ctx.table("daily_revenue")).collect()
    return assert_equal(sum(r["orders"] for r in revenue), rows, "orders in daily_revenue")


def _upstream_failed(ctx, value, *, run_file):
    expected = sorted(k for k, t in _last(_record(run_file)).items()
                      if t["state"]["result_state"] == "UPSTREAM_FAILED")
    return assert_equal(sorted(value), expected, "the tasks marked UPSTREAM_FAILED")


def _last_friday(ctx, value, **given):
    from ...jobs import JobError, next_runs

    start = datetime(2026, 1, 1)
    try:
        got = next_runs(value, "Europe/Paris", count=6, start=start)
    except JobError as exc:
        raise AssertionError(str(exc).splitlines()[0]) from None
    expected = next_runs(LAST_FRIDAY, "Europe/Paris", count=6, start=start)
    return assert_equal([t.strftime("%a %Y-%m-%d %H:%M") for t in got],
                        [t.strftime("%a %Y-%m-%d %H:%M") for t in expected], "the first six fire times in 2026")


def _bundle(ctx, value, *, bundle):
    from ...jobs.bundle import validate_bundle

    found = validate_bundle(bundle)
    expect({"c360_daily", "c360_streaming"} <= set(found["jobs"]), f"the bundle's jobs are {found['jobs']}")
    expect("c360" in found["pipelines"], f"the bundle's pipelines are {found['pipelines']}")
    return assert_equal(sorted(found["targets"]), ["dev", "prod"], "the bundle's targets")


# reference answers: make labs writes each body into the solution notebook's block
def _daily_job_answer(draft):
    tasks = {t["task_key"]: t for t in draft["tasks"]}
    tasks["flaky_load"].update(max_retries=2, min_retry_interval_millis=1000)
    tasks["alert"]["run_if"] = "AT_LEAST_ONE_FAILED"
    tasks["cleanup"]["run_if"] = "ALL_DONE"
    daily_job = draft
    return daily_job


def _upstream_failed_answer(run):
    upstream_failed = sorted(t["task_key"] for t in run["tasks"]
                             if t["state"]["result_state"] == "UPSTREAM_FAILED")
    return upstream_failed


def _last_friday_answer():
    last_friday = "0 30 6 ? * 6L"
    return last_friday


CHECKS = [
    Check("daily_job", "the daily job retries its flaky load, alerts on failure, always cleans up", _daily_job,
          todo=1, nudge="tasks are dicts: a task retries with max_retries and min_retry_interval_millis; which "
                        "run_if value runs a task only when an upstream failed, and which one whatever happened?",
          doc=RUN_IF_DOC, answer=_daily_job_answer),
    Check("daily_run", "the run: a retry that passed, a failure, skipped dependants, a clean-up", _daily_run,
          requires=("daily_job",),
          variable=False, nudge="run the job with `lakehouse jobs run FILE --param ... --output FILE` (the cell "
                                "above) and read its record.", doc=RUNS_DOC),
    Check("upstream_failed", "the tasks that never ran because an upstream failed", _upstream_failed, todo=2,
          requires=("daily_run",),
          nudge="each entry of run[\"tasks\"] has state.result_state; keep the task_key of the ones whose result "
                "says an upstream failed, sorted.", doc=RUN_IF_DOC, answer=_upstream_failed_answer),
    Check("last_friday", "a Quartz schedule: 06:30 on the last Friday of every month", _last_friday, todo=3,
          nudge="Quartz has a seconds field first and numbers days 1 = Sunday ... 7 = Saturday; nL in the "
                "day-of-week field is the last such day of the month, and the other day field is '?'.",
          doc=SCHEDULE_DOC, answer=_last_friday_answer),
    Check("bundle", "databricks.yml: the jobs and the C360 pipeline, dev and prod targets", _bundle,
          variable=False, nudge="lakehouse.jobs.bundle.validate_bundle names what is wrong in databricks.yml.",
          doc=BUNDLE_DOC),
]
