"""Benchmark: `make pipeline` on the shared laptop engine vs on the local 2-worker cluster, same run.

For each ``--runs``: a new ``LAKEHOUSE_HOME`` per engine (the data set is generated once and
shared by a symlink, so both time landing + pipeline + Gold on the same files), then
``lakehouse c360 pipeline --scale S`` on the shared engine and with ``SPARK_REMOTE`` set to
``lakehouse cluster up``'s Connect server (engine and cluster start-up not timed; both are
started in their new homes first). Prints each run's
seconds, the medians and the ratio cluster / laptop as JSON. A cluster on one 2-core machine is
not expected to be faster: the number says what the move to separate executors costs.

Usage:
    .venv/bin/python benchmarks/bench_scaleout.py --scale 1 [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BIN = Path(sys.executable).parent


def _timed(args, home: Path, remote: str | None = None) -> float:
    env = dict(os.environ, LAKEHOUSE_HOME=str(home))
    env.pop("SPARK_REMOTE", None)
    if remote:
        env["SPARK_REMOTE"] = remote
    started = time.monotonic()
    subprocess.run(args, env=env, check=True, stdout=subprocess.DEVNULL)
    return round(time.monotonic() - started, 1)


def main(argv: list[str] | None = None) -> int:
    """Time the pipeline on both engines ``--runs`` times and print JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    root = Path(tempfile.mkdtemp(prefix="bench-scaleout-"))
    lakehouse = str(BIN / "lakehouse")
    pipeline = [lakehouse, "c360", "pipeline", "--scale", f"{args.scale:g}"]
    data = root / "datasets"
    subprocess.run([sys.executable, "-c", f"from lakehouse.datagen import generate; from pathlib import Path; "
                    f"generate(Path('{data}') / 'scale-{args.scale:g}-seed-42', scale={args.scale}, seed=42, "
                    f"progress=False)"], check=True)
    laptop, cluster = [], []
    for i in range(args.runs):
        homes = {}
        for name in ("laptop", "cluster"):  # new homes: new metastores, nothing left from a run before
            home = root / f"{name}-{i}"
            home.mkdir()
            (home / "datasets").symlink_to(data)
            homes[name] = home
        env = {name: dict(os.environ, LAKEHOUSE_HOME=str(home)) for name, home in homes.items()}
        subprocess.run([lakehouse, "engine", "start"], env=env["laptop"], check=True, stdout=subprocess.DEVNULL)
        try:
            laptop.append(_timed(pipeline, homes["laptop"]))
        finally:
            subprocess.run([lakehouse, "engine", "stop"], env=env["laptop"], stdout=subprocess.DEVNULL)
        subprocess.run([lakehouse, "cluster", "up"], env=env["cluster"], check=True, stdout=subprocess.DEVNULL)
        try:
            remote = json.loads(subprocess.run([lakehouse, "cluster", "status", "--json"], env=env["cluster"],
                                               check=True, capture_output=True, text=True).stdout)["remote"]
            cluster.append(_timed(pipeline, homes["cluster"], remote))
        finally:
            subprocess.run([lakehouse, "cluster", "down"], env=env["cluster"], stdout=subprocess.DEVNULL)
        print(json.dumps({"run": i, "laptop_s": laptop[-1], "cluster_s": cluster[-1]}), flush=True)
    result = {"scale": args.scale, "laptop_s": laptop, "cluster_s": cluster,
              "laptop_median_s": statistics.median(laptop), "cluster_median_s": statistics.median(cluster),
              "ratio_cluster_to_laptop": round(statistics.median(cluster) / statistics.median(laptop), 2)}
    print(json.dumps(result))
    shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
