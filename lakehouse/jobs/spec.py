"""Load and validate a job definition in the Jobs API 2.2 JSON shape, before anything runs.

Fields follow the Jobs API ``JobSettings`` / ``Task`` objects
(https://docs.databricks.com/api/workspace/jobs/create). Validation is strict: an unknown field
or a bad enum value is an error (the Databricks SDK's ``JobSettings.from_dict`` silently drops
them). Checks, each with one clear error naming the task and field:

* the fields and enum values of every object the local runner reads (this module), and, when the
  optional ``databricks-bundles`` package is installed, its ``Job.from_dict`` model too;
* ``task_key`` unique, ``depends_on`` names existing tasks, no cycle, an ``outcome`` only on a
  dependency that is a ``condition_task``;
* exactly one task type per task, and a type the local runner can run;
* notebooks, Python files and pipeline specs exist (``notebook_path`` names an ``.ipynb`` or a notebook in
  Databricks source format ``.py``, with or without its extension as on Databricks, absolute or relative to
  the repository root; in bundle YAML relative to the YAML file);
* the Quartz cron expression and time zone of ``schedule``.

Example:
    >>> job = validate_job({"name": "hello", "tasks": [{"task_key": "a", "condition_task":
    ...     {"op": "EQUAL_TO", "left": "1", "right": "1"}}]})
    >>> [t["task_key"] for t in job["tasks"]]
    ['a']
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

from .errors import JobDefinitionError

RUN_IF = ("ALL_SUCCESS", "AT_LEAST_ONE_SUCCESS", "NONE_FAILED", "ALL_DONE", "AT_LEAST_ONE_FAILED", "ALL_FAILED")
CONDITION_OPS = ("EQUAL_TO", "GREATER_THAN", "GREATER_THAN_OR_EQUAL", "LESS_THAN", "LESS_THAN_OR_EQUAL", "NOT_EQUAL")
TASK_TYPES = ("notebook_task", "pipeline_task", "spark_python_task", "python_wheel_task", "condition_task")
_OTHER_TYPES = ("sql_task", "dbt_task", "run_job_task", "for_each_task", "spark_jar_task", "spark_submit_task",
                "dashboard_task", "power_bi_task", "clean_rooms_notebook_task", "gen_ai_compute_task")
_NOTIFY = {"on_start", "on_success", "on_failure", "on_duration_warning_threshold_exceeded",
           "on_streaming_backlog_exceeded", "no_alert_for_skipped_runs"}
# Fields of each object (Jobs API 2.2); the ones the local runner acts on are the list,
# the others (clusters, libraries, tags ...) are accepted and ignored locally.
_JOB_FIELDS = {"name", "description", "tasks", "parameters", "schedule", "email_notifications",
               "webhook_notifications", "notification_settings", "max_concurrent_runs", "queue", "tags",
               "timeout_seconds", "job_clusters", "environments", "health", "run_as", "git_source", "format",
               "continuous", "trigger", "performance_target", "budget_policy_id", "edit_mode", "deployment"}
_TASK_FIELDS = {"task_key", "description", "depends_on", "run_if", "max_retries", "min_retry_interval_millis",
                "retry_on_timeout", "timeout_seconds", "email_notifications", "webhook_notifications",
                "notification_settings", "existing_cluster_id", "job_cluster_key", "new_cluster",
                "environment_key", "libraries", "disabled", "health", *TASK_TYPES, *_OTHER_TYPES}
_SHAPES = {
    "notebook_task": ({"notebook_path"}, {"base_parameters", "source", "warehouse_id"}),
    "pipeline_task": ({"pipeline_id"}, {"full_refresh"}),
    "spark_python_task": ({"python_file"}, {"parameters", "source"}),
    "python_wheel_task": ({"package_name", "entry_point"}, {"parameters", "named_parameters"}),
    "condition_task": ({"op", "left", "right"}, set()),
    "schedule": ({"quartz_cron_expression", "timezone_id"}, {"pause_status"}),
    "queue": ({"enabled"}, set()),
    "email_notifications": (set(), _NOTIFY),
    "depends_on": ({"task_key"}, {"outcome"}),
    "parameters": ({"name", "default"}, set()),
}
_ENUMS = {"run_if": RUN_IF, "op": CONDITION_OPS, "pause_status": ("PAUSED", "UNPAUSED"),
          "source": ("WORKSPACE", "GIT"), "outcome": ("true", "false")}


def repository_root() -> Path:
    """Where relative ``notebook_path`` / ``python_file`` resolve: the course repository (else the cwd)."""
    from ..runtime.paths import repo_root

    return repo_root() or Path.cwd()


def resolve_notebook(notebook_path: str) -> Path:
    """The local notebook of a Databricks ``notebook_path``: an ``.ipynb`` or a source-format ``.py``,
    named with or without its extension.

    Raises:
        JobDefinitionError: no such notebook (the message names every path tried).

    Example:
        >>> resolve_notebook("lakehouse/c360/jobs/notebooks/ingest").name
        'ingest.ipynb'
    """
    from ..notebook.errors import NotebookNotFoundError
    from ..notebook.run import find_notebook

    try:
        return find_notebook(notebook_path, repository_root())
    except NotebookNotFoundError as exc:
        tried = str(exc).split(": no notebook at ", 1)[-1].split("\n", 1)[0]
        raise JobDefinitionError(f"notebook_path {notebook_path!r}: no notebook at {tried}",
                                 fix="name an .ipynb or a Databricks source-format .py (extension optional), "
                                     "absolute or relative to the repository root (in bundle YAML: to the YAML file).") from None


def resolve_file(python_file: str) -> Path:
    """The local file of a ``spark_python_task.python_file`` (absolute or relative to the repository root).

    Raises:
        JobDefinitionError: no such file.

    Example:
        >>> resolve_file("lakehouse/c360/jobs/tasks/enrich.py").name
        'enrich.py'
    """
    path = Path(python_file.removeprefix("file:"))
    path = path if path.is_absolute() else repository_root() / path
    if not path.is_file():
        raise JobDefinitionError(f"python_file {python_file!r}: no file at {path}.",
                                 fix="give a path absolute or relative to the repository root.")
    return path


def resolve_pipeline(pipeline_id: str) -> Path:
    """The local ``spark-pipeline.yml`` of a ``pipeline_task.pipeline_id`` (locally a path, absolute or
    relative to the repository root, to the spec or its folder; on Databricks a pipeline's id).

    Raises:
        JobDefinitionError: no such spec.

    Example:
        >>> resolve_pipeline("lakehouse/c360/pipelines").name
        'spark-pipeline.yml'
    """
    path = Path(pipeline_id)
    path = path if path.is_absolute() else repository_root() / path
    path = path / "spark-pipeline.yml" if path.is_dir() else path
    if not path.is_file():
        raise JobDefinitionError(f"pipeline_task.pipeline_id {pipeline_id!r}: no pipeline spec at {path}.",
                                 fix="locally pipeline_id is the path of a spark-pipeline.yml (or its folder), "
                                     "absolute or relative to the repository root.")
    return path


def validate_job(job: dict) -> dict:
    """Validate job settings (Jobs API 2.2 shape); returns a deep copy.

    Raises:
        JobDefinitionError: the first problem found, naming the task and field, with the fix.
        ScheduleError: a malformed Quartz expression or time zone.

    Example:
        >>> validate_job({"name": "x", "tasks": [{"task_key": "a", "run_if": "SOMETIMES",
        ...     "condition_task": {"op": "EQUAL_TO", "left": "1", "right": "1"}}]})
        Traceback (most recent call last):
        ...
        lakehouse.jobs.errors.JobDefinitionError: [JOB_DEFINITION_INVALID] task 'a': run_if 'SOMETIMES' is not one of ALL_SUCCESS, AT_LEAST_ONE_SUCCESS, NONE_FAILED, ALL_DONE, AT_LEAST_ONE_FAILED, ALL_FAILED.
          Fix: use one of the documented values (https://docs.databricks.com/jobs/run-if.html).
    """
    if not isinstance(job, dict):
        raise JobDefinitionError(f"a job definition is a JSON object (dict), got {type(job).__name__}.")
    job = copy.deepcopy(job)
    _fields("job", job, _JOB_FIELDS, required={"name", "tasks"})
    tasks = job["tasks"]
    if not isinstance(tasks, list) or not tasks:
        raise JobDefinitionError("job field 'tasks' must be a non-empty list of tasks.")
    for p in job.get("parameters", []):
        _shape("job", "parameters", p)
    for name in ("schedule", "queue", "email_notifications"):
        if name in job:
            _shape("job", name, job[name])
    keys = _tasks(tasks)
    _graph(tasks, keys)
    _references(job, keys)
    if "schedule" in job:
        from datetime import datetime

        from .schedule import next_runs

        # one fire time, from a fixed instant: the expression and time zone are checked, nothing else
        next_runs(job["schedule"]["quartz_cron_expression"], job["schedule"]["timezone_id"], count=1,
                  start=datetime(2026, 1, 1))
    _bundles_model(job)
    return job


def _tasks(tasks: list) -> dict:
    keys: dict = {}
    for i, task in enumerate(tasks):
        where = f"task #{i + 1}"
        if not isinstance(task, dict):
            raise JobDefinitionError(f"{where} must be an object, got {type(task).__name__}.")
        _fields(where, task, _TASK_FIELDS, required={"task_key"})
        key = task["task_key"]
        where = f"task {key!r}"
        if key in keys:
            raise JobDefinitionError(f"{where}: task_key is used twice.", fix="give every task its own task_key.")
        keys[key] = task
        kinds = [k for k in (*TASK_TYPES, *_OTHER_TYPES) if k in task]
        if len(kinds) != 1:
            raise JobDefinitionError(f"{where} has {len(kinds)} task types ({', '.join(kinds) or 'none'}).",
                                     fix="give each task exactly one, e.g. notebook_task or condition_task.")
        if kinds[0] in _OTHER_TYPES:
            raise JobDefinitionError(f"{where}: {kinds[0]} is valid on Databricks but the local runner cannot run it.",
                                     fix="use notebook_task, pipeline_task, spark_python_task, python_wheel_task "
                                         "or condition_task.")
        _shape(where, kinds[0], task[kinds[0]])
        if "run_if" in task:
            _enum(where, "run_if", task["run_if"])
        for dep in task.get("depends_on", []):
            _shape(where, "depends_on", dep)
        for name in ("max_retries", "min_retry_interval_millis", "timeout_seconds"):
            if name in task and (not isinstance(task[name], int) or isinstance(task[name], bool) or task[name] < -1):
                raise JobDefinitionError(f"{where}: {name} must be a whole number, got {task[name]!r}.")
        if "notebook_task" in task:
            resolve_notebook(task["notebook_task"]["notebook_path"])
        if "spark_python_task" in task:
            resolve_file(task["spark_python_task"]["python_file"])
        if "pipeline_task" in task and not task["pipeline_task"]["pipeline_id"].startswith("${"):
            resolve_pipeline(task["pipeline_task"]["pipeline_id"])
    return keys


def _graph(tasks: list, keys: dict) -> None:
    for task in tasks:
        for dep in task.get("depends_on", []):
            up = dep["task_key"]
            if up not in keys:
                raise JobDefinitionError(f"task {task['task_key']!r}: depends_on names {up!r}, which is not a task "
                                         f"of this job ({', '.join(keys)}).", fix="fix the task_key in depends_on.")
            if "outcome" in dep and "condition_task" not in keys[up]:
                raise JobDefinitionError(f"task {task['task_key']!r}: depends_on {up!r} has an outcome, but {up!r} "
                                         "is not a condition_task.", fix="outcome is only for condition task branches.")
    state: dict = {}

    def visit(key, path):
        if state.get(key) == "done":
            return
        if state.get(key) == "visiting":
            cycle = path[path.index(key):] + [key]
            raise JobDefinitionError("the tasks form a cycle: " + " -> ".join(cycle) + ".",
                                     fix="a job is a directed acyclic graph: remove one of these depends_on.")
        state[key] = "visiting"
        for dep in keys[key].get("depends_on", []):
            visit(dep["task_key"], path + [key])
        state[key] = "done"

    for key in keys:
        visit(key, [])


def _references(job: dict, keys: dict) -> None:
    """``{{job.parameters.x}}`` and ``{{tasks.t....}}`` must name a parameter and a task of the job
    (Databricks rejects an invalid reference in a known namespace:
    https://docs.databricks.com/jobs/dynamic-value-references.html)."""
    import re

    params = {p["name"] for p in job.get("parameters", [])}
    for task in job["tasks"]:
        for ref in re.findall(r"\{\{\s*([^{}]+?)\s*\}\}", json.dumps(task)):
            parts = ref.split(".")
            if parts[:2] == ["job", "parameters"] and len(parts) > 2 and parts[2] not in params:
                raise JobDefinitionError(f"task {task['task_key']!r}: {{{{{ref}}}}} names no job parameter "
                                         f"(the job has: {', '.join(sorted(params)) or 'none'}).",
                                         fix="add it to the job's parameters, or fix the name.")
            if parts[0] == "tasks" and len(parts) > 2 and parts[1] not in keys:
                raise JobDefinitionError(f"task {task['task_key']!r}: {{{{{ref}}}}} names no task of this job.",
                                         fix="fix the task key in the reference.")


def _fields(where: str, obj: dict, allowed: set, required: set) -> None:
    unknown = sorted(set(obj) - allowed)
    if unknown:
        raise JobDefinitionError(f"{where}: unknown field {unknown[0]!r}.",
                                 fix="check its spelling against the Jobs API 2.2 "
                                     "(https://docs.databricks.com/api/workspace/jobs/create).")
    missing = sorted(required - set(obj))
    if missing:
        raise JobDefinitionError(f"{where}: required field {missing[0]!r} is missing.")


def _shape(where: str, name: str, obj) -> None:
    required, optional = _SHAPES[name]
    if not isinstance(obj, dict):
        raise JobDefinitionError(f"{where}: {name} must be an object, got {type(obj).__name__}.")
    _fields(f"{where}: {name}", obj, required | optional, required)
    for field, value in obj.items():
        if field in _ENUMS:
            _enum(where, field, value)
    if name == "notebook_task" and not all(isinstance(v, str) for v in obj.get("base_parameters", {}).values()):
        raise JobDefinitionError(f"{where}: notebook_task.base_parameters values must be strings.",
                                 fix='quote them, e.g. {"rows": "100"}.')


def _enum(where: str, field: str, value) -> None:
    if value not in _ENUMS[field]:
        raise JobDefinitionError(f"{where}: {field} {value!r} is not one of {', '.join(_ENUMS[field])}.",
                                 fix="use one of the documented values (https://docs.databricks.com/jobs/run-if.html)."
                                 if field == "run_if" else "use one of the documented values.")


def _bundles_model(job: dict) -> None:
    """Also check against ``databricks-bundles``' Job model when that optional package is installed."""
    try:
        from databricks.bundles.jobs import Job
    except ImportError:
        return
    try:
        Job.from_dict(job)
    except (ValueError, TypeError) as exc:
        raise JobDefinitionError(f"job {job.get('name')!r} does not match the Jobs model of databricks-bundles: {exc}.",
                                 fix="fix that field (https://docs.databricks.com/api/workspace/jobs/create).") from None
