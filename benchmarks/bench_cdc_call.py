"""Benchmark: the fixed cost of one ``apply_changes`` call on a handful of rows.

What a learner waits for in lab 03 and what a streaming ``foreachBatch`` pays per micro-batch:
the time of one call on a 10-row change batch (SCD 1 and SCD 2, onto an existing target), and
how many Spark jobs the call ran. Jobs are counted with the Spark UI's REST API
(``/api/v1/applications/<app>/jobs``), so the script runs its own engine with the UI on
(``LAKEHOUSE_SPARK_UI=1``) in a temporary ``LAKEHOUSE_HOME`` and stops it at the end.

Each run applies a new batch of 10 changes (8 updates, 1 insert, 1 delete) to a target that
already holds 100 keys, so every run does the same amount of work; the first call of each
kind (table creation, cold caches) is not timed.

Usage:
    .venv/bin/python benchmarks/bench_cdc_call.py [--runs 7] [--keep-home]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import tempfile
import time
import urllib.request
from pathlib import Path


_HTTP = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback: never via a proxy


def _get(url: str):
    with _HTTP.open(url, timeout=10) as r:
        return json.load(r)


def _ui_url(home: Path) -> str:
    """The engine's Spark UI address: the engine's listening port that answers the REST API."""
    pid = json.loads((home / "engine" / "server.json").read_text())["pid"]
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        m = re.match(r"socket:\[(\d+)\]", os.readlink(fd)) if fd.is_symlink() else None
        if m:
            inodes.add(m.group(1))
    ports = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:] + Path("/proc/net/tcp6").read_text().splitlines()[1:]:
        f = line.split()
        if f[3] == "0A" and f[9] in inodes:  # LISTEN
            ports.add(int(f[1].rsplit(":", 1)[1], 16))
    for port in sorted(ports):
        try:
            _get(f"http://127.0.0.1:{port}/api/v1/applications")
            return f"http://127.0.0.1:{port}"
        except Exception:
            continue
    raise SystemExit(f"no Spark UI among the engine's ports {sorted(ports)}; is LAKEHOUSE_SPARK_UI=1 honoured?")


def _job_count(ui: str) -> int:
    app = _get(f"{ui}/api/v1/applications")[0]["id"]
    return len(_get(f"{ui}/api/v1/applications/{app}/jobs"))


def _engine_cpu_s(home: Path) -> float:
    """CPU seconds (user + system) the engine's JVM has used so far: a cost that does not grow
    when other programs share the cores, unlike wall time."""
    pid = json.loads((home / "engine" / "server.json").read_text())["pid"]
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _batch(spark, run: int):
    """10 change rows for keys 0..9: 8 updates, key 8 deleted, one new key 1000 + run."""
    rows = [(k, f"name_{k}_{run}", "Quito" if run % 2 else "Lima", "UPDATE", 10 + run) for k in range(8)]
    rows.append((8 + 2 * run, None, None, "DELETE", 10 + run))
    rows.append((1000 + run, f"new_{run}", "Oslo", "INSERT", 10 + run))
    return spark.createDataFrame(rows, "id long, name string, city string, op string, seq long")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--keep-home", action="store_true", help="leave the engine and its home")
    args = parser.parse_args(argv)

    home = Path(tempfile.mkdtemp(prefix="lh-bench-cdc-"))
    os.environ["LAKEHOUSE_HOME"] = str(home)
    os.environ["LAKEHOUSE_SPARK_UI"] = "1"
    from lakehouse import get_spark
    from lakehouse.cdc import apply_changes
    from lakehouse.runtime.engine import start_engine, stop_engine

    start_engine(home, quiet=True)
    try:
        spark = get_spark()
        ui = _ui_url(home)
        spark.sql("CREATE SCHEMA bench")
        base = spark.createDataFrame([(k, f"name_{k}", "Rome", "INSERT", 1) for k in range(100)],
                                     "id long, name string, city string, op string, seq long")
        report = {}
        for scd in (1, 2):
            target = f"bench.dim_scd{scd}"
            kw = dict(keys=["id"], sequence_by="seq", apply_as_deletes="op = 'DELETE'",
                      except_column_list=["op", "seq"], stored_as_scd_type=scd)
            apply_changes(target, base, **kw)  # creates the target (not timed)
            apply_changes(target, _batch(spark, 0), **kw)  # warm-up (not timed)
            times, jobs, cpu = [], [], []
            for run in range(1, args.runs + 1):
                batch = _batch(spark, run)
                j0, c0 = _job_count(ui), _engine_cpu_s(home)
                t0 = time.perf_counter()
                result = apply_changes(target, batch, **kw)
                times.append(time.perf_counter() - t0)
                cpu.append(_engine_cpu_s(home) - c0)
                jobs.append(_job_count(ui) - j0)
                assert result.rows_in == 10, result
            report[f"scd{scd}"] = {"runs": args.runs, "median_s": round(statistics.median(times), 3),
                                   "min_s": round(min(times), 3), "max_s": round(max(times), 3),
                                   "engine_cpu_s": round(statistics.median(cpu), 3),
                                   "jobs_per_call": statistics.median(jobs)}
        print(json.dumps({"load_average": os.getloadavg()[0],
                          "LAKEHOUSE_SPARK_CONF": os.environ.get("LAKEHOUSE_SPARK_CONF", ""), **report}, indent=2))
        spark.stop()
    finally:
        if not args.keep_home:
            stop_engine(home)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
