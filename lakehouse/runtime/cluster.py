"""A real multi-node Spark on the laptop: a standalone master, two workers, a Connect server on them.

The step between the shared local engine (one JVM, ``local[N]``) and any remote Spark Connect
cluster or Databricks. ``lakehouse cluster up`` starts, from the installed pyspark:

* a Spark standalone **master** (``org.apache.spark.deploy.master.Master`` through
  ``sbin/spark-daemon.sh``, what ``start-master.sh`` runs; the pip wheel ships only
  ``spark-daemon.sh``), its web UI and JSON status at ``master_ui`` (``/json/``);
* two **workers** (``start-worker.sh``'s ``Worker``, 1 core each, their own ``--work-dir``);
* a **Spark Connect server** with Delta whose ``--master`` is that cluster (the same launcher
  as the shared engine, :func:`lakehouse.runtime.engine.start_engine`, with its own metastore and
  warehouse under ``LAKEHOUSE_HOME/cluster``).

Everything binds to 127.0.0.1; state, logs and work dirs live under ``LAKEHOUSE_HOME/cluster``.
Spark standalone mode: https://spark.apache.org/docs/latest/spark-standalone.html

The cluster's Python workers run a Python that has pyspark, pyarrow and pandas (what a cluster
image has) but **not** ``lakehouse``, like any remote cluster: ``get_spark()`` ships the package
to the session with Spark Connect's artifact API (:func:`lakehouse.runtime.shipping.ship_package`).

Point the course at it with ``SPARK_REMOTE`` (printed by ``lakehouse cluster status``)::

    lakehouse cluster up
    SPARK_REMOTE="$(lakehouse cluster status --remote)" make pipeline SCALE=0.1
    lakehouse cluster down

Example:
    >>> cluster_status().as_dict()["workers"] >= 0            # doctest: +SKIP
    True
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from ..errors import LakehouseError
from .paths import lakehouse_home

MASTER = "org.apache.spark.deploy.master.Master"
WORKER = "org.apache.spark.deploy.worker.Worker"
WORKERS = 2
WORKER_CORES = 1
WORKER_MEMORY = "2g"
START_TIMEOUT_S = 120


class ClusterError(LakehouseError):
    """The local cluster did not start, or is not running when it should."""

    code = "CLUSTER_FAILED"


@dataclass(frozen=True)
class ClusterStatus:
    """What ``LAKEHOUSE_HOME/cluster/cluster.json`` says, checked against the live master.

    ``workers`` counts the workers the master reports ALIVE (0 when it is down).
    """

    home: Path
    running: bool
    master: str | None = None
    master_ui: str | None = None
    remote: str | None = None
    workers: int = 0
    app_ui: str | None = None

    def as_dict(self) -> dict:
        """The ``lakehouse cluster status --json`` contract: master, master_ui, remote, workers (+ running)."""
        return {"running": self.running, "master": self.master, "master_ui": self.master_ui,
                "remote": self.remote, "workers": self.workers, "app_ui": self.app_ui,
                "home": str(self.home)}


def _dir(home: Path) -> Path:
    return home / "cluster"


def _free_ports(n: int) -> list[int]:
    import socket

    socks = [socket.socket() for _ in range(n)]
    try:
        for s in socks:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def master_json(master_ui: str, timeout: float = 3.0) -> dict:
    """The standalone master's JSON status (``GET <master_ui>/json/``): workers, apps, cores."""
    with urllib.request.urlopen(f"{master_ui}/json/", timeout=timeout) as response:
        return json.load(response)


def cluster_status(home: Path | None = None) -> ClusterStatus:
    """The local cluster of ``home`` (default ``LAKEHOUSE_HOME``): running or not, its addresses.

    Returns:
        A :class:`ClusterStatus`; ``running`` is True when the master answers and the Connect
        server of the cluster runs.

    Example:
        >>> cluster_status().running                                    # doctest: +SKIP
        False
    """
    from .engine import engine_status

    home = Path(home or lakehouse_home())
    state_file = _dir(home) / "cluster.json"
    if not state_file.is_file():
        return ClusterStatus(home, False)
    state = json.loads(state_file.read_text())
    try:
        alive = sum(w["state"] == "ALIVE" for w in master_json(state["master_ui"])["workers"])
    except OSError:
        return ClusterStatus(home, False, state["master"], state["master_ui"])
    engine = engine_status(_dir(home))
    return ClusterStatus(home, engine.running, state["master"], state["master_ui"],
                         engine.url if engine.running else None, alive, state.get("app_ui"))


def _daemon(action: str, cls: str, instance: int, cdir: Path, *args: str) -> None:
    """``sbin/spark-daemon.sh start|stop <class> <instance> args`` with the cluster's pid and log dirs."""
    from .java import find_java
    from .spark_conf import spark_home

    home_dir = spark_home(cdir)
    env = dict(os.environ, SPARK_HOME=str(home_dir), SPARK_PID_DIR=str(cdir / "pids"),
               SPARK_LOG_DIR=str(cdir / "logs"), SPARK_LOCAL_IP="127.0.0.1", SPARK_DAEMON_MEMORY="512m")
    env.pop("SPARK_REMOTE", None)
    env.pop("SPARK_CONNECT_MODE_ENABLED", None)
    java = find_java()
    if java.java_home:
        env["JAVA_HOME"] = java.java_home
    done = subprocess.run([str(home_dir / "sbin" / "spark-daemon.sh"), action, cls, str(instance), *args],
                          env=env, capture_output=True, text=True)
    if done.returncode != 0 and action == "start":
        raise ClusterError(f"`spark-daemon.sh start {cls.rsplit('.', 1)[-1]}` failed: {done.stdout} {done.stderr}",
                           fix=f"look at the logs in {cdir / 'logs'}; `lakehouse cluster down` then up again.")


def worker_python(cdir: Path) -> str:
    """A Python for the cluster's workers: this environment's libraries, but not ``lakehouse``.

    A venv (no pip) whose ``.pth`` adds this environment's site-packages. ``lakehouse`` is
    installed in development mode through its own ``.pth`` hook there, which Python runs only for
    a site directory of its own environment: so the cluster sees pyspark, pyarrow and pandas,
    as a cluster image would, and not the course's package.
    """
    env_dir = cdir / "python"
    py = env_dir / "bin" / "python"
    if not py.exists():
        subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(env_dir)], check=True)
        site = Path(subprocess.run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                                   check=True, capture_output=True, text=True).stdout.strip())
        (site / "course-environment.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return str(py)


def cluster_up(home: Path | None = None, *, ui: bool = False, quiet: bool = False) -> ClusterStatus:
    """Start the master, two 1-core workers and a Spark Connect server on them (unless running).

    Args:
        home: the ``LAKEHOUSE_HOME`` (state under ``home/cluster``).
        ui: also turn on the Connect server's application UI (``app_ui``; the master UI is on).
        quiet: no progress lines.

    Returns:
        The running cluster's :class:`ClusterStatus`.

    Raises:
        ClusterError: ``CLUSTER_FAILED`` when the master or a worker does not come up in time.
        EngineError: the Connect server did not start (its log's tail in the message).

    Example:
        >>> st = cluster_up()                                          # doctest: +SKIP
        >>> st.workers, st.remote.startswith("sc://")                  # doctest: +SKIP
        (2, True)
    """
    from .engine import start_engine

    home = Path(home or lakehouse_home())
    status = cluster_status(home)
    if status.running and status.workers == WORKERS:
        return status
    cluster_down(home)
    cdir = _dir(home)
    cdir.mkdir(parents=True, exist_ok=True)
    master_port, master_ui_port, app_ui_port, *worker_ui = _free_ports(3 + WORKERS)
    master = f"spark://127.0.0.1:{master_port}"
    master_ui = f"http://127.0.0.1:{master_ui_port}"
    state = {"master": master, "master_ui": master_ui, "workers": [],
             "app_ui": f"http://127.0.0.1:{app_ui_port}" if ui else None}
    (cdir / "cluster.json").write_text(json.dumps(state))
    say = (lambda m: None) if quiet else (lambda m: print(m, flush=True))
    started = time.monotonic()
    say(f"starting a Spark standalone master at {master} (UI {master_ui}) ...")
    _daemon("start", MASTER, 1, cdir, "--host", "127.0.0.1", "--port", str(master_port),
            "--webui-port", str(master_ui_port))
    for i in range(1, WORKERS + 1):
        work = cdir / f"worker-{i}"
        work.mkdir(exist_ok=True)
        state["workers"].append({"instance": i, "work_dir": str(work), "ui": f"http://127.0.0.1:{worker_ui[i - 1]}"})
        _daemon("start", WORKER, i, cdir, "--host", "127.0.0.1", "--cores", str(WORKER_CORES), "--memory",
                WORKER_MEMORY, "--work-dir", str(work), "--webui-port", str(worker_ui[i - 1]), master)
    (cdir / "cluster.json").write_text(json.dumps(state))
    _wait_for_workers(master_ui, cdir)
    say(f"  {WORKERS} workers registered ({time.monotonic() - started:.0f} s)")
    conf = {"spark.executor.cores": str(WORKER_CORES), "spark.executor.memory": "1g",
            "spark.ui.enabled": "true" if ui else "false", "spark.ui.port": str(app_ui_port),
            "spark.app.name": "lakehouse-cluster"}
    start_engine(cdir, quiet=quiet, master_url=master, python=worker_python(cdir), conf_overrides=conf,
                 what="Spark Connect server of the local cluster")
    return cluster_status(home)


def _wait_for_workers(master_ui: str, cdir: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    alive = 0
    while time.monotonic() < deadline:
        try:
            alive = sum(w["state"] == "ALIVE" for w in master_json(master_ui)["workers"])
        except OSError:
            alive = 0
        if alive == WORKERS:
            return
        time.sleep(0.5)
    raise ClusterError(f"{alive} of {WORKERS} workers registered with the master within {START_TIMEOUT_S} s.",
                       fix=f"look at the logs in {cdir / 'logs'}; `lakehouse cluster down` then up again.")


def cluster_down(home: Path | None = None) -> bool:
    """Stop the Connect server, the workers and the master of ``home``'s cluster.

    Returns:
        True when something was running.
    """
    from .engine import stop_engine

    home = Path(home or lakehouse_home())
    cdir = _dir(home)
    if not (cdir / "cluster.json").is_file():
        return False
    stopped = stop_engine(cdir)
    state = json.loads((cdir / "cluster.json").read_text())
    pids = cdir / "pids"
    for i in range(len(state.get("workers", [])) or WORKERS, 0, -1):
        if any(pids.glob(f"*{WORKER}-{i}.pid")):
            _daemon("stop", WORKER, i, cdir)
            stopped = True
    if any(pids.glob(f"*{MASTER}-1.pid")):
        _daemon("stop", MASTER, 1, cdir)
        stopped = True
    (cdir / "cluster.json").unlink()
    for i in range(1, WORKERS + 1):  # executors' work files (jars, stdout) of finished apps
        shutil.rmtree(cdir / f"worker-{i}", ignore_errors=True)
    return stopped


def _cmd_cluster(args) -> int:
    if args.action == "up":
        st = cluster_up(ui=args.ui)
        print(f"cluster running: master {st.master} (UI {st.master_ui}), {st.workers} workers\n"
              f"  SPARK_REMOTE={st.remote}")
    elif args.action == "down":
        print("stopped" if cluster_down() else "no cluster was running")
    else:
        st = cluster_status()
        if args.json:
            print(json.dumps(st.as_dict()))
        elif args.remote:
            if not st.running:
                raise ClusterError("the local cluster is not running.", fix="start it with `lakehouse cluster up`.")
            print(st.remote)
        else:
            print(f"running: master {st.master} (UI {st.master_ui}), {st.workers} workers, remote {st.remote}"
                  if st.running else f"not running (home {st.home})")
    return 0


def add_commands(sub) -> None:
    """``lakehouse cluster up|down|status [--json|--remote]``."""
    p = sub.add_parser("cluster", help="a local Spark standalone cluster (master, 2 workers, Connect server)")
    p.add_argument("action", choices=["up", "down", "status"])
    p.add_argument("--ui", action="store_true", help="up: also turn on the Connect server's application UI")
    p.add_argument("--json", action="store_true", help="status: print JSON (master, master_ui, remote, workers)")
    p.add_argument("--remote", action="store_true", help="status: print only the sc:// address for SPARK_REMOTE")
    p.set_defaults(func=_cmd_cluster)
