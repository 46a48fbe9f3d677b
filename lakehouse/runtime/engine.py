"""The shared local engine: one Spark Connect server per ``LAKEHOUSE_HOME``.

Starting a JVM costs 10-17 s on a small laptop; a notebook that connects to a running
Spark Connect server has a usable ``spark`` in about a second. ``get_spark()`` starts the
server on first use and every later notebook, test or job reuses it. The server's port,
token, pid and log live under ``LAKEHOUSE_HOME/engine`` so that a run with another home
never talks to an engine that writes somewhere else.

The server runs the Python of the environment that started it (``PYSPARK_PYTHON``), so
Python data sources such as the local ``cloudFiles`` import from the same ``.venv``.

Delta's own Spark Connect plugin (``delta-connect-server``) is not published for Spark 4.2,
so the server loads ours (:mod:`lakehouse.runtime.delta_connect`, built by ``make setup``) when it is
built: then Delta's Python ``DeltaTable`` API works over the engine. Without it the engine
still starts (Delta SQL and ``format("delta")`` work) and ``server.json`` records
``"delta_connect": false``.

Example:
    >>> from lakehouse.runtime.engine import engine_status  # doctest: +SKIP
    >>> engine_status().running                     # doctest: +SKIP
    True
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from ..errors import EngineError
from .locks import file_lock
from .paths import lakehouse_home
from .versions import DELTA_VERSION, PYSPARK_VERSION

START_TIMEOUT_S = 180


@dataclass(frozen=True)
class EngineStatus:
    """What ``LAKEHOUSE_HOME/engine/server.json`` says, checked against the live process."""

    home: Path
    running: bool
    pid: int | None = None
    port: int | None = None
    token: str | None = None
    python: str | None = None  # sys.prefix of the environment that started it
    delta_connect: bool = False  # started with our Delta Connect plugin (DeltaTable API)

    @property
    def url(self) -> str:
        """The ``sc://`` address a Spark Connect client uses."""
        return f"sc://localhost:{self.port}/;token={self.token}"


def _engine_dir(home: Path) -> Path:
    return home / "engine"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


def engine_status(home: Path | None = None) -> EngineStatus:
    """The shared engine's state for ``home`` (default: ``LAKEHOUSE_HOME``)."""
    home = home or lakehouse_home()
    state_file = _engine_dir(home) / "server.json"
    if not state_file.is_file():
        return EngineStatus(home=home, running=False)
    try:
        st = json.loads(state_file.read_text())
    except (OSError, ValueError):
        return EngineStatus(home=home, running=False)
    alive = _pid_alive(st["pid"]) and _port_open(st["port"])
    return EngineStatus(home=home, running=alive, pid=st["pid"], port=st["port"],
                        token=st["token"], python=st.get("python"),
                        delta_connect=bool(st.get("delta_connect")))


def _start_lock(home: Path):
    path = _engine_dir(home)
    path.mkdir(parents=True, exist_ok=True)
    return file_lock(path / "start.lock")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _log_tail(log: Path, lines: int = 15) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def start_engine(home: Path | None = None, *, quiet: bool = False, master_url: str | None = None,
                 python: str | None = None, conf_overrides: dict[str, str] | None = None,
                 what: str = "shared Spark engine") -> EngineStatus:
    """Start the shared Spark Connect server for ``home`` unless it already runs.

    Args:
        home: the folder whose ``engine/`` holds the server's state (default ``LAKEHOUSE_HOME``).
        quiet: no progress lines.
        master_url: the Spark master (default ``local[N]``); :mod:`lakehouse.runtime.cluster` passes
            its standalone master ``spark://127.0.0.1:PORT``.
        python: the Python of the server's Python workers (default: this environment's).
        conf_overrides: more Spark settings, applied last.
        what: how progress lines name the server.

    Returns:
        The running engine's status (port, token, pid).

    Raises:
        EngineError: the server did not come up; the message carries its log's tail.
        SetupError: Java, jars or versions are not ready (see ``lakehouse doctor``).
    """
    from .catalogs import catalog_conf
    from .delta_connect import PLUGIN_CONF, plugin_jars
    from .java import find_java
    from .jars import delta_jars
    from .spark_conf import local_spark_conf, master, spark_home
    from .versions import check_versions

    home = home or lakehouse_home()
    with _start_lock(home):
        status = engine_status(home)
        if status.running:
            if status.python and status.python != sys.prefix:
                raise EngineError(
                    f"The shared engine for {home} runs another Python environment ({status.python}).",
                    fix="stop it with `lakehouse engine stop` (or `make stop`) and retry.",
                )
            return status
        check_versions()
        java = find_java()
        jars = delta_jars()
        home_dir = spark_home(home)
        port, token = _free_port(), secrets.token_hex(16)
        plugin = plugin_jars()  # [] when `make setup` could not build it: run without
        conf = local_spark_conf(home, jars + plugin)
        if plugin:  # the same jar holds the catalog plugin: catalog.schema.table names
            conf.update(PLUGIN_CONF)
            conf.update(catalog_conf(extensions=conf["spark.sql.extensions"]))
        conf.update({
            "spark.connect.grpc.binding.port": str(port),
            "spark.connect.grpc.binding.address": "127.0.0.1",
            "spark.connect.authenticate.token": token,
            "spark.app.name": "lakehouse-engine",
        })
        if python:
            conf.update({"spark.pyspark.python": python, "spark.pyspark.driver.python": python})
        conf.update(conf_overrides or {})
        cmd = [str(home_dir / "bin" / "spark-submit"), "--master", master_url or master(),
               "--driver-memory", conf.pop("spark.driver.memory"),
               "--class", "org.apache.spark.sql.connect.service.SparkConnectServer"]
        for key, value in conf.items():
            cmd += ["--conf", f"{key}={value}"]
        cmd.append("spark-internal")
        env = dict(os.environ, SPARK_HOME=str(home_dir), PYSPARK_PYTHON=python or sys.executable,
                   PYSPARK_DRIVER_PYTHON=python or sys.executable, SPARK_LOCAL_IP="127.0.0.1")
        env.pop("SPARK_REMOTE", None)
        env.pop("SPARK_CONNECT_MODE_ENABLED", None)
        if java.java_home:
            env["JAVA_HOME"] = java.java_home
        edir = _engine_dir(home)
        (home / "warehouse").mkdir(parents=True, exist_ok=True)
        log = edir / "server.log"
        estimate = _start_estimate(edir)
        started = time.monotonic()
        if not quiet:
            print(f"Starting the {what} for {home} (once; later notebooks connect in ~1 s) ...", flush=True)
        with open(log, "w") as out:
            proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                    env=env, cwd=edir, start_new_session=True)
        deadline = time.monotonic() + START_TIMEOUT_S
        shown, live, line = -1, not quiet and _live_output(), ""
        while time.monotonic() < deadline:
            elapsed = int(time.monotonic() - started)
            if live and elapsed != shown:  # a live elapsed line (\r rewrites it in terminals and notebooks)
                shown, line = elapsed, f"  {elapsed:3d} s elapsed ({estimate})"
                print("\r" + line, end="", flush=True)
            if proc.poll() is not None:
                raise EngineError(
                    f"The Spark Connect server exited with code {proc.returncode}. Log {log}:\n{_log_tail(log)}",
                    fix="run `lakehouse doctor`; with LAKEHOUSE_SPARK_MODE=classic the in-process engine is used.",
                )
            if _port_open(port):
                break
            time.sleep(0.25)
        else:
            os.killpg(proc.pid, signal.SIGTERM)
            raise EngineError(f"The Spark Connect server did not listen on port {port} within "
                              f"{START_TIMEOUT_S} s. Log {log}:\n{_log_tail(log)}")
        took = time.monotonic() - started
        if not quiet:
            done = f"  engine ready in {took:.0f} s"
            print("\r" + done.ljust(len(line)) if live and shown >= 0 else done, flush=True)
        state = {"pid": proc.pid, "port": port, "token": token, "python": sys.prefix,
                 "pyspark": PYSPARK_VERSION, "delta": DELTA_VERSION, "started": time.time(),
                 "start_seconds": round(took, 1), "delta_connect": bool(plugin)}
        (edir / "last_start.json").write_text(json.dumps({"seconds": round(took, 1)}))
        state_file = edir / "server.json"
        state_file.touch(mode=0o600)
        state_file.write_text(json.dumps(state))
        status = engine_status(home)
        _open_metastore(status)
        return status


def _open_metastore(status) -> None:
    """Make the engine open its catalog (Derby metastore) now, before any notebook's first statement.

    An interrupt (a cell's time limit, JupyterLab's Interrupt button) that lands while the
    engine opens Derby leaves Derby's connection closed ("Connection closed by unknown
    interrupt") and every later catalog call waiting forever; opening it here (a short client
    process, ~2 s), where nothing interrupts, keeps a notebook's first statement out of that
    window. Best effort: a failure here shows again, with its message, at that first statement.
    """
    code = ("import sys; from pyspark.sql import SparkSession; "
            "s = SparkSession.builder.remote(sys.argv[1]).getOrCreate(); "
            "s.sql('SHOW SCHEMAS IN spark_catalog').collect(); s.stop()")
    try:  # its own process: this one's default Spark session stays as it is
        subprocess.run([sys.executable, "-c", code, status.url], capture_output=True, timeout=120)
    except (OSError, subprocess.SubprocessError):
        pass


def _start_estimate(edir: Path) -> str:
    """How long the last start of this home's engine took ("~N s"), or a first-time range."""
    try:
        return f"the last start here took {json.loads((edir / 'last_start.json').read_text())['seconds']:.0f} s"
    except (OSError, ValueError, KeyError, TypeError):
        return "a first start takes 10-40 s, more on a busy machine"


def _live_output() -> bool:
    """True where a carriage return rewrites the line: a terminal, or a Jupyter kernel."""
    return sys.stdout.isatty() or "ipykernel" in sys.modules


def stop_engine(home: Path | None = None, *, timeout: float = 30.0) -> bool:
    """Stop the shared engine for ``home``; True when one was running.

    Example:
        >>> stop_engine(Path("/nonexistent-home"))
        False
    """
    home = home or lakehouse_home()
    status = engine_status(home)
    state_file = _engine_dir(home) / "server.json"
    if status.pid is None:
        return False
    was_running = _pid_alive(status.pid)
    if was_running:
        try:
            os.killpg(status.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        deadline = time.monotonic() + timeout
        while _pid_alive(status.pid) and time.monotonic() < deadline:
            try:  # reap it when we are its parent
                os.waitpid(status.pid, os.WNOHANG)
            except ChildProcessError:
                pass
            time.sleep(0.2)
        if _pid_alive(status.pid):
            os.killpg(status.pid, signal.SIGKILL)
    state_file.unlink(missing_ok=True)
    return was_running
