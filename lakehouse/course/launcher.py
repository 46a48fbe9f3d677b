"""``make lab``: JupyterLab on the learner's workspace, opened at lab 00, and a clean stop.

:func:`run_lab`

1. copies new labs into the workspace (:func:`lakehouse.course.workspace.sync_workspace`);
2. turns JupyterLab's "news" prompt off (a settings override in this environment);
3. starts JupyterLab on the workspace with a token of its own and prints the URL of lab 00
   (a URL that opens the notebook, not the Launcher — for remote machines, WSL, Docker);
4. starts the shared Spark engine in the background while JupyterLab starts, and warms it with
   one small query, so the learner's first Spark cell finds it ready (``--no-engine`` or
   ``LAKEHOUSE_WARM_ENGINE=0``: the first notebook starts it, as before);
5. on Ctrl+C stops JupyterLab (its kernels with it), then the shared Spark engine **if it was
   started during this session and no other client uses it** — and says which it did.

Example:
    $ make lab            # or: .venv/bin/lakehouse lab --no-browser
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

from ..runtime.engine import engine_status, start_engine, stop_engine
from .errors import LabError
from .workspace import sync_workspace

FIRST_LAB = "00_welcome_and_setup.ipynb"
# JupyterLab 4 asks "Would you like to receive official Jupyter news?" on first start; "false" answers no.
NEWS_OFF = {"@jupyterlab/apputils-extension:notification": {"fetchNews": "false"}}


def disable_news(prefix: str | None = None) -> Path:
    """Write (merge) JupyterLab's settings override that turns the news prompt off.

    Returns:
        The ``overrides.json`` written (``<prefix>/share/jupyter/lab/settings``).
    """
    path = Path(prefix or sys.prefix) / "share" / "jupyter" / "lab" / "settings" / "overrides.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        current = json.loads(path.read_text()) if path.is_file() else {}
    except ValueError:
        current = {}
    for plugin, values in NEWS_OFF.items():
        current.setdefault(plugin, {}).update(values)
    path.write_text(json.dumps(current, indent=2) + "\n")
    return path


def free_port(start: int = 8888, tries: int = 50) -> int:
    """The first port from ``start`` that nothing listens on (127.0.0.1).

    Raises:
        LabError: none free among ``tries`` ports.
    """
    for port in range(start, start + tries):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise LabError(f"no free port in {start}-{start + tries - 1} for JupyterLab.", fix="pass --port=N.")


def engine_clients(port: int) -> int:
    """How many open TCP connections go to the engine's port (Linux ``/proc/net``; 0 elsewhere)."""
    count = 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            remote, state = fields[2], fields[3]
            if state == "01" and int(remote.rsplit(":", 1)[1], 16) == port:  # 01 = ESTABLISHED
                count += 1
    return count


def stop_engine_if_ours(before_pid: int | None, *, wait_s: float = 5.0) -> str:
    """Stop the shared engine if it was started after ``before_pid`` was seen and has no client left.

    Returns:
        One sentence saying what happened (printed by :func:`run_lab`).
    """
    status = engine_status()
    if not status.running:
        return "The Spark engine is not running."
    if before_pid is not None and status.pid == before_pid:
        return (f"The Spark engine (pid {status.pid}) was running before `make lab` started; "
                "it keeps running (stop it with `make stop`).")
    deadline = time.monotonic() + wait_s
    clients = engine_clients(status.port)
    while clients and time.monotonic() < deadline:  # kernels that were just shut down let go
        time.sleep(0.5)
        clients = engine_clients(status.port)
    if clients:
        return (f"The Spark engine (pid {status.pid}) keeps running: {clients} other client(s) still use it "
                "(stop it with `make stop`).")
    stop_engine()
    return f"Stopped the Spark engine this session started (pid {status.pid})."


def warm_engine(report=print) -> threading.Thread:
    """Start the shared engine and run one small query on it, in a background thread.

    The engine's start-up (a JVM, Spark, Delta) and its first query's compilation are what a
    learner's first Spark cell would otherwise wait for (24-39 s on a quiet machine, issue 32).
    The start holds the engine's file lock, so a notebook that opens meanwhile waits for this
    start instead of making a second one. The warm-up session is closed at once, so it is not
    counted as a client when Ctrl+C decides whether to stop the engine.

    Args:
        report: called with one line when the engine is ready or failed to start.

    Returns:
        The started (daemon) thread.

    Example:
        >>> warm_engine(report=print).join()   # doctest: +SKIP
        Spark engine ready (pid 4242) in 21.3 s; your first cell will not wait for it.
    """
    def work():
        begin = time.monotonic()
        try:
            status = start_engine(quiet=True)
            from ..runtime.session import get_spark

            spark = get_spark()
            spark.range(8).selectExpr("sum(id) AS s").collect()
            spark.stop()
            report(f"Spark engine ready (pid {status.pid}) in {time.monotonic() - begin:.1f} s; "
                   "your first cell will not wait for it.")
        except Exception as exc:  # the notebook shows the full error when it starts the engine itself
            report(f"The Spark engine did not start in the background ({str(exc).splitlines()[0][:200]}); "
                   "your first notebook will try again and show why.")

    thread = threading.Thread(target=work, name="warm-engine", daemon=True)
    thread.start()
    return thread


def run_lab(*, open_browser: bool = True, port: int | None = None, warm: bool | None = None) -> int:
    """Serve the learner workspace in JupyterLab until Ctrl+C; returns JupyterLab's exit code.

    Args:
        open_browser: open the URL in a browser.
        port: JupyterLab's port (default: the first free one from 8888).
        warm: start the engine in the background (default: yes unless ``LAKEHOUSE_WARM_ENGINE=0``).

    Raises:
        LabError: no course repository, no lab notebooks, or no free port.
    """
    # Ctrl+C (and a TERM from make or a terminal closing) must reach the clean-up below, even when
    # the shell started us with SIGINT ignored (a background job)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _interrupt)
    report = sync_workspace()
    ws = report.workspace
    if report.copied:
        print(f"Your workspace {ws}: copied in {', '.join(report.copied)}")
    print(f"Your work lives in {ws} (never overwritten; `lakehouse labs reset NN` starts a lab over, "
          "keeping a backup).")
    disable_news()
    port = port or free_port()
    token = secrets.token_hex(16)
    cmd = [sys.executable, "-m", "jupyter", "lab", f"--ServerApp.root_dir={ws}", f"--port={port}",
           "--ServerApp.port_retries=0", "--ServerApp.ip=127.0.0.1", f"--IdentityProvider.token={token}",
           "--ServerApp.open_browser=" + ("True" if open_browser else "False"), FIRST_LAB]
    if os.geteuid() == 0:
        cmd.append("--allow-root")
    before = engine_status()
    if warm is None:
        warm = os.environ.get("LAKEHOUSE_WARM_ENGINE", "1") != "0"
    url = f"http://127.0.0.1:{port}/lab/tree/{FIRST_LAB}?token={token}"
    proc = subprocess.Popen(cmd, cwd=ws, start_new_session=True,  # Ctrl+C reaches us, not Jupyter's prompt
                            preexec_fn=_die_with_parent)
    if warm and not before.running:  # after Popen: JupyterLab must not inherit the Connect client's settings
        warm_engine(report=lambda line: print(line, flush=True))
    try:
        _wait_listening(port, proc)
        print(f"\nThe course is open at lab 00:\n    {url}\n", flush=True)
        starting = ("The Spark engine is starting in the background." if warm and not before.running
                    else "The Spark engine starts with your first notebook." if not before.running
                    else "The Spark engine is already running.")
        print(f"{starting} Press Ctrl+C here to stop JupyterLab; "
              "the engine it started stops with it (or later: `make stop`).", flush=True)
        return proc.wait()
    except KeyboardInterrupt:
        print("\nStopping JupyterLab ...", flush=True)
        _terminate(proc)
        print(stop_engine_if_ours(before.pid if before.running else None), flush=True)
        return 0


def _die_with_parent() -> None:
    """In the JupyterLab child (Linux): get SIGTERM when the launcher dies, even by SIGKILL."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # 1 = PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # not Linux: Ctrl+C and `make stop` still work
        pass


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def _wait_listening(port: int, proc: subprocess.Popen, timeout_s: float = 120.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise LabError(f"JupyterLab exited with code {proc.returncode} before it served port {port}.",
                           fix="see its messages above; `make doctor` checks the environment.")
        with socket.socket() as s:
            s.settimeout(0.5)
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.3)
    raise LabError(f"JupyterLab did not listen on port {port} within {timeout_s:.0f} s.")


def _terminate(proc: subprocess.Popen, timeout_s: float = 20.0) -> None:
    if proc.poll() is not None:
        return
    os.killpg(proc.pid, signal.SIGTERM)  # Jupyter shuts its kernels down on SIGTERM
    try:
        proc.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
