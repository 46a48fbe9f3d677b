"""The local runner of Databricks job definitions: tasks in dependency order, with retries,
timeouts, ``run_if``, condition tasks, parameters and task values; a ``Run`` record as the
Jobs API returns it.

Semantics follow the Databricks docs:

* ``run_if`` (https://docs.databricks.com/jobs/run-if.html): ALL_SUCCESS (default),
  AT_LEAST_ONE_SUCCESS and NONE_FAILED not met -> ``UPSTREAM_FAILED``; AT_LEAST_ONE_FAILED and
  ALL_FAILED not met -> ``EXCLUDED``, which counts as a success downstream; ALL_DONE always
  runs; a task whose dependencies are all excluded is excluded.
* condition tasks (https://docs.databricks.com/jobs/if-else.html): ``outcome`` "true"/"false";
  a dependant on the other branch is excluded; ``==``/``!=`` compare strings, ``<``, ``>``...
  numbers (:mod:`lakehouse.jobs.tasks`, where each task kind is one function).
* retries: ``max_retries`` more attempts after a failure (``-1`` = without limit), at least
  ``min_retry_interval_millis`` apart; ``attempt_number`` starts at 0; a timed-out attempt is
  retried only with ``retry_on_timeout``; a task's ``timeout_seconds`` applies to each attempt (0 = none).
* the job's ``timeout_seconds`` is "applied to each run of this job" (0 = none;
  https://docs.databricks.com/api/workspace/jobs/create): when it passes, the running tasks are
  stopped (``TIMEDOUT``), the ones not started yet are ``CANCELED``, and the run ends ``TIMEDOUT``.
* task values (https://docs.databricks.com/jobs/task-values.html) and job parameters, pushed down
  to notebook tasks as widgets, override ``base_parameters`` of the same name.
* the run's result: SUCCESS; SUCCESS_WITH_FAILURES when some task failed but every leaf task
  succeeded (or was excluded); else FAILED.

Tasks start as soon as their dependencies are done, up to 8 at once (Databricks runs as many
in parallel as possible). Locally different: ``pipeline_task.pipeline_id`` is the path of a
``spark-pipeline.yml``; every attempt is its own entry in ``tasks`` with its own ``run_id``
(in the order the attempts started);
the record adds ``task_values`` (what each task set) and ``local_run_dir`` (logs, executed
notebooks). ``max_concurrent_runs``, ``queue``, notifications and clusters are accepted, not acted on.

Example:
    >>> job = {"name": "tiny", "tasks": [{"task_key": "check", "condition_task":
    ...        {"op": "GREATER_THAN", "left": "{{job.parameters.n}}", "right": "2"}}],
    ...        "parameters": [{"name": "n", "default": "3"}]}
    >>> run = run_job(job, live=False)
    >>> run["state"]["result_state"], run["tasks"][0]["condition_task"]["outcome"]
    ('SUCCESS', 'true')
"""

from __future__ import annotations

import json
import os
import threading
import time
import zlib
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from datetime import datetime, timezone
from pathlib import Path

from .errors import JobParameterError
from .process import kill_group, last_line, run_process
from .refs import resolve
from .load import load_job
from .spec import repository_root
from .tasks import KINDS, Attempt, Launch, Outcome, kind_of

SUCCESS_LIKE = ("SUCCESS", "EXCLUDED")
FAILED_LIKE = ("FAILED", "TIMEDOUT", "UPSTREAM_FAILED", "CANCELED")
_UPSTREAM = {"ALL_SUCCESS", "AT_LEAST_ONE_SUCCESS", "NONE_FAILED"}
_PARALLEL = 8  # tasks running at once (each waits on its own process, or is a condition)


def _now_ms() -> int:
    return int(time.time() * 1000)


def parse_params(pairs) -> dict:
    """``["k=v", ...]`` (the CLI's ``--param``) as a dict.

    Raises:
        JobParameterError: an item without ``=``.

    Example:
        >>> parse_params(["day=2026-01-02", "fail_task="])
        {'day': '2026-01-02', 'fail_task': ''}
    """
    out = {}
    for pair in pairs or []:
        if not isinstance(pair, str) or "=" not in pair:
            raise JobParameterError(f"--param {pair!r} is not name=value.", fix="e.g. --param run_date=2026-01-02.")
        name, value = pair.split("=", 1)
        out[name.strip()] = value
    return out


def run_job(job, *, params: dict | None = None, output=None, live: bool = True, run_root=None,
            job_key: str | None = None) -> dict:
    """Run a job definition locally and return its run record (the Jobs API ``Run`` shape).

    Args:
        job: the job JSON or bundle YAML path, or settings dict (validated first: nothing runs if it is invalid).
        params: job parameter values ``{name: value}`` overriding the defaults.
        output: write the run record as JSON to this path too.
        live: print one line per task state change while it runs (the live task graph).
        run_root: where runs keep logs and executed notebooks (default ``LAKEHOUSE_HOME/jobs/runs``).
        job_key: which job of bundle YAML (``resources.jobs.<key>``); optional when it defines one.

    Returns:
        The run record: ``run_id``, ``state{life_cycle_state, result_state, state_message}``,
        ``start_time``/``end_time`` (epoch ms), ``job_parameters``, ``tasks`` (one entry per
        attempt, each with ``attempt_number`` and ``state``), ``task_values``.

    Raises:
        JobDefinitionError, ScheduleError: an invalid job (before anything runs).
        JobParameterError: a parameter the job does not define.

    Example:
        >>> run_job("lakehouse/c360/jobs/daily_job.json", params={"fail_task": ""})  # doctest: +SKIP
    """
    job = load_job(job, job_key)
    values = _parameters(job, params)
    run_id = _now_ms() * 10 + os.getpid() % 10
    if run_root is None:
        from ..runtime.paths import lakehouse_home

        run_root = lakehouse_home() / "jobs" / "runs"
    run_dir = Path(run_root) / str(run_id)
    (run_dir / "values").mkdir(parents=True, exist_ok=True)
    run = _Run(job, run_id, run_dir, values, live)
    record = run.execute()
    if output is not None:
        Path(output).parent.mkdir(parents=True, exist_ok=True)
        Path(output).write_text(json.dumps(record, indent=2), encoding="utf-8")
    return record


def _parameters(job: dict, params) -> dict:
    defaults = {p["name"]: p["default"] for p in job.get("parameters", [])}
    params = dict(params or {})
    unknown = sorted(set(params) - set(defaults))
    if unknown:
        raise JobParameterError(f"job {job['name']!r} has no parameter {unknown[0]!r} "
                                f"(it has: {', '.join(defaults) or 'none'}).",
                                fix="add it to the job's parameters, or fix the name.")
    return {**defaults, **{k: str(v) for k, v in params.items()}}


class _Run:
    """One run: tasks start as soon as their dependencies are done, side by side (threads that
    wait on the tasks' processes), as Databricks runs "as many of them in parallel as possible"."""

    def __init__(self, job, run_id, run_dir, params, live):
        self.job, self.run_id, self.run_dir, self.params, self.live = job, run_id, run_dir, params, live
        self.by_key = {t["task_key"]: t for t in job["tasks"]}
        self.final: dict = {}      # task_key -> last attempt's entry
        self.entries: list = []
        self.task_values: dict = {}
        self.counter = 0
        self.procs: set = set()    # the task processes running now
        self.stopping = False      # set on Ctrl+C or the job's timeout: no new attempt starts
        self.timed_out = False
        self.lock = threading.Lock()
        self.start = _now_ms()
        timeout = job.get("timeout_seconds", 0) or 0
        self.deadline = time.monotonic() + timeout if timeout > 0 else None

    # --- the live view: one line per state change ------------------------------------------
    def say(self, key: str, state: str, detail: str = "") -> None:
        if self.live:
            secs = (_now_ms() - self.start) / 1000
            with self.lock:
                print(f"[{secs:6.1f}s] {key:<18} {state:<16} {detail}".rstrip(), flush=True)

    def execute(self) -> dict:
        order = _order(self.by_key)
        if self.live:
            print(f"job {self.job['name']!r} run {self.run_id}: {len(order)} tasks ({', '.join(order)})", flush=True)
        pending, running, done = list(order), {}, set()
        with ThreadPoolExecutor(max_workers=min(_PARALLEL, len(order))) as pool:
            try:
                while (pending or running) and not self.timed_out:
                    for key in [k for k in pending
                                if all(d["task_key"] in done for d in self.by_key[k].get("depends_on", []))]:
                        pending.remove(key)
                        running[pool.submit(self.run_task, self.by_key[key])] = key
                    left = None if self.deadline is None else max(0.0, self.deadline - time.monotonic())
                    finished, _ = wait(running, timeout=left, return_when=FIRST_COMPLETED)
                    if not finished and self.deadline is not None and time.monotonic() >= self.deadline:
                        self.time_out()
                    for future in finished:
                        done.add(running.pop(future))
                        future.result()
                for future in running:  # the tasks stopped by the timeout record themselves
                    future.result()
            except BaseException:  # Ctrl+C or a bug: stop the tasks still running, then stop
                self.stop()
                raise
        for key in pending:
            self.skip(self.by_key[key], "CANCELED", "The job run timed out before this task started.")
        return run_record(self)

    def stop(self) -> None:
        self.stopping = True
        for proc in list(self.procs):
            kill_group(proc)

    def time_out(self) -> None:
        self.timed_out = True
        self.say("(job)", "TIMEDOUT", f"timeout_seconds {self.job['timeout_seconds']} passed")
        self.stop()

    def next_id(self) -> int:
        """A new task run id (one per attempt)."""
        with self.lock:
            self.counter += 1
            return self.run_id * 100 + self.counter

    def refs(self, task_key: str, task_run_id: int) -> dict:
        """The values ``{{...}}`` references resolve to for this task (:mod:`lakehouse.jobs.refs`)."""
        start = datetime.fromtimestamp(self.start / 1000, tz=timezone.utc)
        vals = {"job.id": self.job_id(), "job.name": self.job["name"], "job.run_id": str(self.run_id),
                "job.start_time.iso_date": start.date().isoformat(),
                "job.start_time.iso_datetime": start.isoformat(timespec="seconds"),
                "job.start_time.timestamp": str(self.start), "task.name": task_key, "task.run_id": str(task_run_id)}
        vals.update({f"job.parameters.{k}": v for k, v in self.params.items()})
        with self.lock:
            for key, entry in self.final.items():
                vals[f"tasks.{key}.run_id"] = str(entry["run_id"])
                vals[f"tasks.{key}.result_state"] = entry["state"]["result_state"]
                for k, v in self.task_values.get(key, {}).items():
                    vals[f"tasks.{key}.values.{k}"] = v
        return vals

    def job_id(self) -> str:
        return str(zlib.crc32(self.job["name"].encode()))

    # --- one task, with retries --------------------------------------------------------------
    def run_task(self, task: dict) -> None:
        key = task["task_key"]
        if self.stopping:
            if self.timed_out:
                self.skip(task, "CANCELED", "The job run timed out before this task started.")
            return
        skipped = run_if_state(task, self.final)
        if skipped:
            self.skip(task, skipped, "Upstream task(s) failed." if skipped == "UPSTREAM_FAILED"
                      else "The run_if condition or branch was not met.")
            return
        retries = task.get("max_retries", 0)
        attempt, first_run_id = 0, None
        while True:
            entry = self.attempt(task, attempt, first_run_id)
            first_run_id = first_run_id or entry["run_id"]
            self.add(entry)
            result = entry["state"]["result_state"]
            retryable = result == "FAILED" or (result == "TIMEDOUT" and task.get("retry_on_timeout", False))
            if not retryable or (retries != -1 and attempt >= retries) or self.stopping:
                return
            pause = task.get("min_retry_interval_millis", 0) / 1000
            self.say(key, "WAITING_FOR_RETRY", f"(attempt {attempt + 1} in {pause:.1f}s)")
            time.sleep(pause)
            attempt += 1

    def skip(self, task: dict, result: str, message: str) -> None:
        now = _now_ms()
        self.add(_entry(task, self.next_id(), 0, None, now, now, "SKIPPED", result, message))
        self.say(task["task_key"], result)

    def add(self, entry: dict) -> None:
        with self.lock:
            self.entries.append(entry)
            self.final[entry["task_key"]] = entry

    def attempt(self, task: dict, attempt: int, first_run_id) -> dict:
        key = task["task_key"]
        task_run_id = self.next_id()
        start = _now_ms()
        self.say(key, "RUNNING", f"(attempt {attempt})")
        kind = kind_of(task)
        try:
            spec = resolve(task[kind], self.refs(key, task_run_id))
            step = KINDS[kind](spec, Attempt(self.run_dir, key, attempt, dict(self.params)))
            outcome = step if isinstance(step, Outcome) else self.launch(step, task, attempt, task_run_id)
        except JobParameterError as exc:
            outcome = Outcome("FAILED", str(exc).splitlines()[0])
        end = _now_ms()
        detail = f"({(end - start) / 1000:.1f}s)" + (f" {outcome.message}" if outcome.message else "")
        if "condition_task" in outcome.extra:
            detail = f"outcome {outcome.extra['condition_task']['outcome']} " + detail
        self.say(key, outcome.result, detail)
        return _entry(task, task_run_id, attempt, first_run_id, start, end, "TERMINATED", outcome.result,
                      outcome.message, **outcome.extra)

    def launch(self, step: Launch, task: dict, attempt: int, task_run_id: int) -> Outcome:
        """Run a task's process to its end (or its timeout, or the job's); read its task values and exit value."""
        key = task["task_key"]
        logs = self.run_dir / "logs"
        logs.mkdir(exist_ok=True)
        ctx = {"run_dir": str(self.run_dir), "job_run_id": self.run_id, "task_key": key, "task_run_id": task_run_id,
               "attempt_number": attempt, "widgets": dict(self.params), **(step.context or {})}
        ctx_path = logs / f"{key}-{attempt}.context.json"
        ctx_path.write_text(json.dumps(ctx), encoding="utf-8")
        cmd = step.cmd + ([str(ctx_path)] if step.context else [])
        log_path = logs / f"{key}-{attempt}.log"
        timeout = task.get("timeout_seconds", 0) or None
        if self.deadline is not None:
            left = max(0.0, self.deadline - time.monotonic())
            timeout = left if timeout is None else min(timeout, left)
        code = run_process(cmd, env={"LAKEHOUSE_JOB_CONTEXT": str(ctx_path)}, log_path=log_path, timeout=timeout,
                           procs=self.procs, cwd=str(repository_root()), stopping=lambda: self.stopping)
        if self.timed_out or (code is None and self.deadline is not None and time.monotonic() >= self.deadline):
            self.timed_out = True
            return Outcome("TIMEDOUT", f"The job run timed out after {self.job['timeout_seconds']} seconds "
                                       "(the job's timeout_seconds).", step.extra)
        if code is None:
            return Outcome("TIMEDOUT", f"Task timed out after {timeout} seconds (timeout_seconds).", step.extra)
        self.read_task_values(key)
        extra = dict(step.extra)
        exit_file = self.run_dir / "exit" / f"{key}.json"
        if exit_file.is_file():
            extra["notebook_output"] = {"result": json.loads(exit_file.read_text(encoding="utf-8"))}
        if code == 0:
            return Outcome("SUCCESS", "", extra)
        return Outcome("FAILED", last_line(log_path) or f"exit code {code}", extra)

    def read_task_values(self, key: str) -> None:
        path = self.run_dir / "values" / f"{key}.json"
        if path.is_file():
            values = json.loads(path.read_text(encoding="utf-8"))
            with self.lock:
                self.task_values[key] = values


def _order(by_key: dict) -> list:
    """The task keys in an order where every task comes after its dependencies."""
    done, out = set(), []
    while len(out) < len(by_key):
        for key, task in by_key.items():
            if key not in done and all(d["task_key"] in done for d in task.get("depends_on", [])):
                done.add(key)
                out.append(key)
                break
    return out


def run_if_state(task: dict, final: dict) -> str | None:
    """None when the task runs, else its result state (UPSTREAM_FAILED or EXCLUDED), from its
    dependencies' final states and its ``run_if`` (https://docs.databricks.com/jobs/run-if.html).

    Example:
        >>> up = {"a": {"state": {"result_state": "FAILED"}}}
        >>> run_if_state({"depends_on": [{"task_key": "a"}]}, up)
        'UPSTREAM_FAILED'
        >>> run_if_state({"depends_on": [{"task_key": "a"}], "run_if": "ALL_DONE"}, up) is None
        True
    """
    deps = task.get("depends_on", [])
    if not deps:
        return None
    states = []
    for dep in deps:
        up = final[dep["task_key"]]
        state = up["state"]["result_state"]
        if "outcome" in dep and state == "SUCCESS" and up["condition_task"]["outcome"] != dep["outcome"]:
            state = "EXCLUDED"  # the other branch of an if/else condition task
        states.append(state)
    if all(s == "EXCLUDED" for s in states):
        return "EXCLUDED"
    ok = [s in SUCCESS_LIKE for s in states]
    failed = [s in FAILED_LIKE for s in states]
    rule = task.get("run_if", "ALL_SUCCESS")
    met = {"ALL_SUCCESS": all(ok), "AT_LEAST_ONE_SUCCESS": any(ok),
           "NONE_FAILED": not any(failed) and "SUCCESS" in states, "ALL_DONE": True,
           "AT_LEAST_ONE_FAILED": any(failed), "ALL_FAILED": all(failed)}[rule]
    if met:
        return None
    return "UPSTREAM_FAILED" if rule in _UPSTREAM else "EXCLUDED"


def _entry(task, run_id, attempt, first_run_id, start, end, life, result, message, **extra) -> dict:
    """One attempt in the run record (the Jobs API ``RunTask`` shape)."""
    entry = {"task_key": task["task_key"], "run_id": run_id,
             "attempt_number": attempt, "depends_on": task.get("depends_on", []),
             "run_if": task.get("run_if", "ALL_SUCCESS"),
             "state": {"life_cycle_state": life, "result_state": result, "state_message": message},
             "start_time": start, "end_time": end, "setup_duration": 0, "cleanup_duration": 0,
             "execution_duration": end - start, "run_duration": end - start}
    if first_run_id is not None:
        entry["original_attempt_run_id"] = first_run_id
    entry.update(extra)
    return entry


def run_record(run: _Run) -> dict:
    """The run's record (the Jobs API ``Run`` shape) and its result state (see the module docstring)."""
    states = {k: e["state"]["result_state"] for k, e in run.final.items()}
    has_dependants = {d["task_key"] for t in run.job["tasks"] for d in t.get("depends_on", [])}
    leaves = [k for k in states if k not in has_dependants]
    if run.timed_out:
        result, message = "TIMEDOUT", f"Run timed out after {run.job['timeout_seconds']} seconds (timeout_seconds)."
    elif not any(s in FAILED_LIKE for s in states.values()):
        result, message = "SUCCESS", ""
    elif all(states[k] in SUCCESS_LIKE for k in leaves):
        result, message = "SUCCESS_WITH_FAILURES", "Some tasks failed; every leaf task succeeded."
    else:
        bad = [k for k, s in states.items() if s in FAILED_LIKE]
        result, message = "FAILED", f"{len(bad)} task(s) did not succeed: {', '.join(bad)}."
    end = _now_ms()
    if run.live:
        print(f"run {run.run_id}: {result} in {(end - run.start) / 1000:.1f}s" + (f" — {message}" if message else ""),
              flush=True)
    defaults = {p["name"]: p["default"] for p in run.job.get("parameters", [])}
    return {"job_id": int(run.job_id()), "run_id": run.run_id, "number_in_job": run.run_id,
            "run_name": run.job["name"], "run_type": "JOB_RUN", "trigger": "ONE_TIME",
            "state": {"life_cycle_state": "TERMINATED", "result_state": result, "state_message": message},
            "start_time": run.start, "end_time": end, "run_duration": end - run.start,
            "setup_duration": 0, "cleanup_duration": 0, "execution_duration": end - run.start,
            "job_parameters": [{"name": k, "default": defaults[k], "value": v} for k, v in run.params.items()],
            "tasks": sorted(run.entries, key=lambda e: e["run_id"]), "task_values": run.task_values,
            "local_run_dir": str(run.run_dir)}


def succeeded(record: dict) -> bool:
    """True when the run's ``result_state`` is SUCCESS or SUCCESS_WITH_FAILURES (the CLI's exit code 0).

    Example:
        >>> succeeded({"state": {"result_state": "FAILED"}})
        False
    """
    return record["state"]["result_state"] in ("SUCCESS", "SUCCESS_WITH_FAILURES")
