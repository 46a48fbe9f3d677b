"""The local runner of Databricks job definitions: tasks in dependency order, with retries,
timeouts, ``run_if``, condition tasks, parameters and task values; a ``Run`` record as the
Jobs API returns it.

Semantics follow the Databricks docs:

* ``run_if`` (https://docs.databricks.com/jobs/run-if.html): ALL_SUCCESS (default),
  AT_LEAST_ONE_SUCCESS and NONE_FAILED not met -> ``UPSTREAM_FAILED``; AT_LEAST_ONE_FAILED and
  ALL_FAILED not met -> ``EXCLUDED``, which counts as a success downstream; ALL_DONE always
  runs; a task whose dependencies are all excluded is excluded.
* condition tasks (https://docs.databricks.com/jobs/if-else.html): ``outcome`` "true"/"false";
  a dependant on the other branch is excluded.
* retries: ``max_retries`` more attempts after a failure (``-1`` = without limit), at least
  ``min_retry_interval_millis`` apart; ``attempt_number`` starts at 0; a timed-out attempt is
  retried only with ``retry_on_timeout``; ``timeout_seconds`` applies to each attempt (0 = none).
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
import signal
import subprocess
import sys
import threading
import time
import zlib
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from datetime import datetime, timezone
from pathlib import Path

from .errors import JobParameterError
from .refs import resolve
from .spec import load_job, repository_root, resolve_file, resolve_notebook, resolve_pipeline

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


def run_job(job, *, params: dict | None = None, output=None, live: bool = True, run_root=None) -> dict:
    """Run a job definition locally and return its run record (the Jobs API ``Run`` shape).

    Args:
        job: the job JSON path or settings dict (validated first: nothing runs if it is invalid).
        params: job parameter values ``{name: value}`` overriding the defaults.
        output: write the run record as JSON to this path too.
        live: print one line per task state change while it runs (the live task graph).
        run_root: where runs keep logs and executed notebooks (default ``LAKEHOUSE_HOME/jobs/runs``).

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
    job = load_job(job)
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
        self.stopping = False      # set on Ctrl+C: no new attempt starts
        self.lock = threading.Lock()
        self.start = _now_ms()

    # --- the live view: one line per state change ------------------------------------------
    def say(self, key: str, state: str, detail: str = "") -> None:
        if self.live:
            secs = (_now_ms() - self.start) / 1000
            with self.lock:
                print(f"[{secs:6.1f}s] {key:<18} {state:<16} {detail}".rstrip(), flush=True)

    def execute(self) -> dict:
        order = self.order()
        if self.live:
            print(f"job {self.job['name']!r} run {self.run_id}: {len(order)} tasks ({', '.join(order)})", flush=True)
        pending, running, done = list(order), {}, set()
        with ThreadPoolExecutor(max_workers=min(_PARALLEL, len(order))) as pool:
            try:
                while pending or running:
                    for key in [k for k in pending
                                if all(d["task_key"] in done for d in self.by_key[k].get("depends_on", []))]:
                        pending.remove(key)
                        running[pool.submit(self.run_task, self.by_key[key])] = key
                    finished, _ = wait(running, return_when=FIRST_COMPLETED)
                    for future in finished:
                        done.add(running.pop(future))
                        future.result()
            except BaseException:  # Ctrl+C or a bug: stop the tasks still running, then stop
                self.stopping = True
                for proc in list(self.procs):
                    _kill_group(proc)
                raise
        return self.record()

    def order(self) -> list:
        done, out = set(), []
        while len(out) < len(self.by_key):
            for key, task in self.by_key.items():
                if key not in done and all(d["task_key"] in done for d in task.get("depends_on", [])):
                    done.add(key)
                    out.append(key)
                    break
        return out

    def next_id(self) -> int:
        """A new task run id (one per attempt)."""
        with self.lock:
            self.counter += 1
            return self.run_id * 100 + self.counter

    def refs(self, task_key: str, task_run_id: int) -> dict:
        with self.lock:
            return self._refs(task_key, task_run_id)

    def _refs(self, task_key: str, task_run_id: int) -> dict:
        start = datetime.fromtimestamp(self.start / 1000, tz=timezone.utc)
        vals = {"job.id": self.job_id(), "job.name": self.job["name"], "job.run_id": str(self.run_id),
                "job.start_time.iso_date": start.date().isoformat(),
                "job.start_time.iso_datetime": start.isoformat(timespec="seconds"),
                "job.start_time.timestamp": str(self.start), "task.name": task_key, "task.run_id": str(task_run_id)}
        vals.update({f"job.parameters.{k}": v for k, v in self.params.items()})
        for key, entry in self.final.items():
            vals[f"tasks.{key}.run_id"] = str(entry["run_id"])
            vals[f"tasks.{key}.result_state"] = entry["state"]["result_state"]
            for k, v in self.task_values.get(key, {}).items():
                vals[f"tasks.{key}.values.{k}"] = v
        return vals

    def job_id(self) -> str:
        return str(zlib.crc32(self.job["name"].encode()))

    # --- run_if ------------------------------------------------------------------------------
    def blocked(self, task: dict) -> str | None:
        """None when the task runs, else its result state (UPSTREAM_FAILED or EXCLUDED)."""
        deps = task.get("depends_on", [])
        if not deps:
            return None
        states = []
        for dep in deps:
            up = self.final[dep["task_key"]]
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

    # --- one task, with retries --------------------------------------------------------------
    def run_task(self, task: dict) -> None:
        key = task["task_key"]
        if self.stopping:
            return
        skipped = self.blocked(task)
        if skipped:
            now = _now_ms()
            message = ("Upstream task(s) failed." if skipped == "UPSTREAM_FAILED"
                       else "The run_if condition or branch was not met.")
            self.add(self.entry(task, self.next_id(), 0, None, now, now, "SKIPPED", skipped, message))
            self.say(key, skipped)
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
            wait = task.get("min_retry_interval_millis", 0) / 1000
            self.say(key, "WAITING_FOR_RETRY", f"(attempt {attempt + 1} in {wait:.1f}s)")
            time.sleep(wait)
            attempt += 1

    def add(self, entry: dict) -> None:
        with self.lock:
            self.entries.append(entry)
            self.final[entry["task_key"]] = entry

    def entry(self, task, run_id, attempt, first_run_id, start, end, life, result, message, **extra) -> dict:
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

    def attempt(self, task: dict, attempt: int, first_run_id) -> dict:
        key = task["task_key"]
        task_run_id = self.next_id()
        start = _now_ms()
        self.say(key, "RUNNING", f"(attempt {attempt})")
        extra: dict = {}
        try:
            refs = self.refs(key, task_run_id)
            if "condition_task" in task:
                cond = resolve(task["condition_task"], refs)
                cond["outcome"] = "true" if _compare(cond["op"], cond["left"], cond["right"]) else "false"
                extra["condition_task"] = cond
                result, message = "SUCCESS", ""
            else:
                result, message, extra = self.process(task, attempt, task_run_id, refs)
        except JobParameterError as exc:
            result, message = "FAILED", str(exc).splitlines()[0]
        end = _now_ms()
        detail = f"({(end - start) / 1000:.1f}s)" + (f" {message}" if message else "")
        if "condition_task" in extra:
            detail = f"outcome {extra['condition_task']['outcome']} " + detail
        self.say(key, result, detail)
        return self.entry(task, task_run_id, attempt, first_run_id, start, end, "TERMINATED", result, message,
                          **extra)

    def process(self, task, attempt, task_run_id, refs):
        """Run a notebook / Python / wheel / pipeline task in a subprocess; (result, message, extra)."""
        key = task["task_key"]
        logs = self.run_dir / "logs"
        logs.mkdir(exist_ok=True)
        ctx = {"run_dir": str(self.run_dir), "job_run_id": self.run_id, "task_key": key, "task_run_id": task_run_id,
               "attempt_number": attempt, "widgets": dict(self.params)}
        extra: dict = {}
        if "notebook_task" in task:
            nb = resolve(task["notebook_task"], refs)
            ctx["widgets"] = {**nb.get("base_parameters", {}), **self.params}
            out = self.run_dir / "notebooks" / f"{key}-{attempt}.ipynb"
            out.parent.mkdir(exist_ok=True)
            ctx.update(kind="notebook", notebook=str(resolve_notebook(nb["notebook_path"])), output_notebook=str(out))
            cmd = [sys.executable, "-m", "lakehouse.jobs.task_process"]
            extra["notebook_task"] = nb
        elif "pipeline_task" in task:
            pt = resolve(task["pipeline_task"], refs)
            ctx.update(kind="pipeline", pipeline_spec=str(resolve_pipeline(pt["pipeline_id"])),
                       full_refresh=pt.get("full_refresh", False))
            cmd = [sys.executable, "-m", "lakehouse.jobs.task_process"]
            extra["pipeline_task"] = pt
        elif "spark_python_task" in task:
            pt = resolve(task["spark_python_task"], refs)
            cmd = [sys.executable, str(resolve_file(pt["python_file"])), *pt.get("parameters", [])]
            extra["spark_python_task"] = pt
        else:
            wt = resolve(task["python_wheel_task"], refs)
            args = wt.get("parameters") or [f"--{k}={v}" for k, v in wt.get("named_parameters", {}).items()]
            code = ("import sys; from importlib.metadata import distribution; "
                    "eps = [e for e in distribution(sys.argv[1]).entry_points if e.name == sys.argv[2]]; "
                    "sys.exit('no entry point ' + sys.argv[2] + ' in ' + sys.argv[1]) if not eps else None; "
                    "sys.argv = [sys.argv[2]] + sys.argv[3:]; r = eps[0].load()(); sys.exit(r if isinstance(r, int) else 0)")
            cmd = [sys.executable, "-c", code, wt["package_name"], wt["entry_point"], *args]
            extra["python_wheel_task"] = wt
        ctx_path = logs / f"{key}-{attempt}.context.json"
        ctx_path.write_text(json.dumps(ctx), encoding="utf-8")
        if ctx.get("kind"):
            cmd.append(str(ctx_path))
        env = {k: v for k, v in os.environ.items() if k != "SPARK_CONNECT_MODE_ENABLED"}
        env["LAKEHOUSE_JOB_CONTEXT"] = str(ctx_path)
        log_path = logs / f"{key}-{attempt}.log"
        timeout = task.get("timeout_seconds", 0) or None
        with open(log_path, "wb") as log:
            proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=str(repository_root()),
                                    start_new_session=True)  # its own session: a timeout kills its whole tree
            self.procs.add(proc)
            if self.stopping:  # Ctrl+C came while it started
                _kill_group(proc)
            try:
                code = proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                _kill_group(proc)
                return "TIMEDOUT", f"Task timed out after {timeout} seconds (timeout_seconds).", extra
            finally:
                self.procs.discard(proc)
        self.read_task_values(key)
        exit_file = self.run_dir / "exit" / f"{key}.json"
        if exit_file.is_file():
            extra["notebook_output"] = {"result": json.loads(exit_file.read_text(encoding="utf-8"))}
        if code == 0:
            return "SUCCESS", "", extra
        return "FAILED", _last_line(log_path) or f"exit code {code}", extra

    def read_task_values(self, key: str) -> None:
        path = self.run_dir / "values" / f"{key}.json"
        if path.is_file():
            values = json.loads(path.read_text(encoding="utf-8"))
            with self.lock:
                self.task_values[key] = values

    def record(self) -> dict:
        states = {k: e["state"]["result_state"] for k, e in self.final.items()}
        has_dependants = {d["task_key"] for t in self.job["tasks"] for d in t.get("depends_on", [])}
        leaves = [k for k in states if k not in has_dependants]
        if not any(s in FAILED_LIKE for s in states.values()):
            result, message = "SUCCESS", ""
        elif all(states[k] in SUCCESS_LIKE for k in leaves):
            result, message = "SUCCESS_WITH_FAILURES", "Some tasks failed; every leaf task succeeded."
        else:
            bad = [k for k, s in states.items() if s in FAILED_LIKE]
            result, message = "FAILED", f"{len(bad)} task(s) did not succeed: {', '.join(bad)}."
        end = _now_ms()
        if self.live:
            print(f"run {self.run_id}: {result} in {(end - self.start) / 1000:.1f}s" + (f" — {message}" if message else ""),
                  flush=True)
        defaults = {p["name"]: p["default"] for p in self.job.get("parameters", [])}
        return {"job_id": int(self.job_id()), "run_id": self.run_id, "number_in_job": self.run_id,
                "run_name": self.job["name"], "run_type": "JOB_RUN", "trigger": "ONE_TIME",
                "state": {"life_cycle_state": "TERMINATED", "result_state": result, "state_message": message},
                "start_time": self.start, "end_time": end, "run_duration": end - self.start,
                "setup_duration": 0, "cleanup_duration": 0, "execution_duration": end - self.start,
                "job_parameters": [{"name": k, "default": defaults[k], "value": v} for k, v in self.params.items()],
                "tasks": sorted(self.entries, key=lambda e: e["run_id"]), "task_values": self.task_values, "local_run_dir": str(self.run_dir)}


def _compare(op: str, left: str, right: str) -> bool:
    """The if/else condition: numbers compare as numbers, anything else as strings."""
    try:
        a, b = float(left), float(right)
    except (TypeError, ValueError):
        a, b = str(left), str(right)
    return {"EQUAL_TO": a == b, "NOT_EQUAL": a != b, "GREATER_THAN": a > b, "GREATER_THAN_OR_EQUAL": a >= b,
            "LESS_THAN": a < b, "LESS_THAN_OR_EQUAL": a <= b}[op]


def _kill_group(proc) -> None:
    """Kill the task's process and everything it started (a notebook's kernel runs in its own session)."""
    import psutil

    try:
        family = psutil.Process(proc.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        family = []
    for p in family:
        try:
            p.kill()
        except psutil.NoSuchProcess:
            pass
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait()


def _last_line(path: Path) -> str:
    lines = [ln.strip() for ln in path.read_text(encoding="utf-8", errors="replace").splitlines() if ln.strip()]
    return lines[-1][:500] if lines else ""


def succeeded(record: dict) -> bool:
    """True when the run's ``result_state`` is SUCCESS or SUCCESS_WITH_FAILURES (the CLI's exit code 0).

    Example:
        >>> succeeded({"state": {"result_state": "FAILED"}})
        False
    """
    return record["state"]["result_state"] in ("SUCCESS", "SUCCESS_WITH_FAILURES")
