"""The course scales out unchanged: `make pipeline` on a real 2-worker Spark cluster = on the laptop engine.

``make cluster-test`` (also run by ``.ci/run``): starts ``lakehouse cluster up --ui`` in a new
``LAKEHOUSE_HOME``, runs ``lakehouse c360 pipeline --scale 0.1`` (what ``make pipeline SCALE=0.1``
runs) with ``SPARK_REMOTE`` set to the cluster's Connect server, and the same command on the shared
local engine in another new home; the Gold tables must match (rows per table, revenue per day),
and both workers must have run tasks of the cluster's application (the workers' JSON status
names our executors; the application's REST API counts their tasks).

The cluster's Python has no ``lakehouse``: the run passes only because the package is shipped
(``lakehouse.runtime.shipping.ship_package`` and ``lakehouse.runtime.shipping``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
SCALE = "0.1"


def _run(args, home: Path, remote: str | None = None, timeout: int = 900) -> str:
    env = dict(os.environ, LAKEHOUSE_HOME=str(home))
    env.pop("SPARK_REMOTE", None)
    if remote:
        env["SPARK_REMOTE"] = remote
    done = subprocess.run(args, env=env, cwd=REPO, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"{args} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done.stdout


def _json(url: str):
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.load(response)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    home = tmp_path_factory.mktemp("cluster-home")
    try:
        _run([str(BIN / "lakehouse"), "cluster", "up", "--ui"], home)
        yield home, json.loads(_run([str(BIN / "lakehouse"), "cluster", "status", "--json"], home))
    finally:
        subprocess.run([str(BIN / "lakehouse"), "cluster", "down"], env=dict(os.environ, LAKEHOUSE_HOME=str(home)),
                       capture_output=True, timeout=300)


def test_status_contract(cluster):
    _, status = cluster
    assert status["running"] is True and status["workers"] == 2
    assert status["master"].startswith("spark://127.0.0.1:")
    assert status["master_ui"].startswith("http://127.0.0.1:")
    assert status["remote"].startswith("sc://")
    master = _json(f"{status['master_ui']}/json/")
    assert master["aliveworkers"] == 2 and master["cores"] == 2


def test_pipeline_on_the_cluster_equals_the_laptop_engine(cluster, tmp_path_factory):
    home, status = cluster
    pipeline = [str(BIN / "lakehouse"), "c360", "pipeline", "--scale", SCALE]
    probe = [sys.executable, str(REPO / "scaleout" / "gold_probe.py")]
    out = _run(pipeline, home, status["remote"])
    assert "make pipeline done" in out
    on_cluster = json.loads(_run(probe, home, status["remote"]).strip().splitlines()[-1])

    laptop_home = tmp_path_factory.mktemp("laptop-home")
    try:
        _run(pipeline, laptop_home)
        on_laptop = json.loads(_run(probe, laptop_home).strip().splitlines()[-1])
    finally:
        subprocess.run([str(BIN / "lakehouse"), "engine", "stop"],
                       env=dict(os.environ, LAKEHOUSE_HOME=str(laptop_home)), capture_output=True, timeout=120)
    assert on_cluster["rows"]["customer_360"] > 0 and len(on_cluster["revenue_per_day"]) > 30
    assert on_cluster == on_laptop

    # Both workers ran tasks of the cluster's application (the Connect server).
    app = _json(f"{status['app_ui']}/api/v1/applications")[0]["id"]
    tasks = {e["id"]: e["totalTasks"] for e in _json(f"{status['app_ui']}/api/v1/applications/{app}/executors")}
    state = json.loads((Path(home) / "cluster" / "cluster.json").read_text())
    per_worker = []
    for worker in state["workers"]:
        executors = [str(e["id"]) for e in _json(f"{worker['ui']}/json/")["executors"] if e["appid"] == app]
        per_worker.append(sum(tasks.get(e, 0) for e in executors))
    assert len(per_worker) == 2 and all(n > 0 for n in per_worker), per_worker
