"""A task's process: started in its own session with the run's context, waited on with a timeout,
killed with everything it started (a notebook's kernel, Spark workers it forked).

Example:
    >>> import sys, tempfile, pathlib
    >>> log = pathlib.Path(tempfile.mkdtemp()) / "t.log"
    >>> run_process([sys.executable, "-c", "print('hi')"], env={}, log_path=log, timeout=60, procs=set())
    0
    >>> last_line(log)
    'hi'
"""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path


def run_process(cmd: list, *, env: dict, log_path: Path, timeout: float | None, procs: set, cwd=None,
                stopping=lambda: False) -> int | None:
    """Run ``cmd`` to its end, its output in ``log_path``; the exit code, or None when ``timeout`` passed
    (the process tree is killed then).

    Args:
        cmd: the command.
        env: its environment (the variables added to this process's, minus ``SPARK_CONNECT_MODE_ENABLED``).
        log_path: where stdout and stderr go.
        timeout: seconds, or None for no limit.
        procs: a set the running process is in while it runs (so that a stop can kill it).
        cwd: its working directory.
        stopping: a callable; true when the run is stopping (the process is killed right after start).
    """
    env = {**{k: v for k, v in os.environ.items() if k != "SPARK_CONNECT_MODE_ENABLED"}, **env}
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=cwd,
                                start_new_session=True)  # its own session: a timeout kills its whole tree
        procs.add(proc)
        if stopping():  # Ctrl+C or the job's timeout came while it started
            kill_group(proc)
        try:
            return proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            kill_group(proc)
            return None
        finally:
            procs.discard(proc)


def kill_group(proc) -> None:
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


def last_line(path: Path) -> str:
    """The last non-empty line of a task's log (its error, when it failed)."""
    lines = [ln.strip() for ln in path.read_text(encoding="utf-8", errors="replace").splitlines() if ln.strip()]
    return lines[-1][:500] if lines else ""
