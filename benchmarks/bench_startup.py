"""Time-to-`spark` in a new Jupyter kernel: shared engine (Spark Connect) vs classic.

For each run: start a fresh `lakehouse` kernel, then time one cell
`spark = get_spark(); spark.range(1).count()` (the learner's wait after the kernel is up),
and the whole thing from kernel start. The shared engine is started once before its runs
(warm, as when a learner opens the second notebook); classic mode starts a JVM every time.

Usage:  .venv/bin/python benchmarks/bench_startup.py [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

CELL = "from lakehouse import get_spark\nspark = get_spark()\nassert spark.range(1).count() == 1"


def one_run(env: dict[str, str]) -> tuple[float, float]:
    from jupyter_client.manager import start_new_kernel

    t0 = time.perf_counter()
    km, kc = start_new_kernel(kernel_name="lakehouse", env=env)
    try:
        t1 = time.perf_counter()
        reply = kc.execute_interactive(CELL, timeout=600, output_hook=lambda msg: None)
        t2 = time.perf_counter()
        if reply["content"]["status"] != "ok":
            raise RuntimeError(f"cell failed: {reply['content'].get('evalue')}")
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    return t2 - t1, t2 - t0


def measure(mode: str, home: Path, runs: int) -> dict[str, float]:
    env = dict(os.environ, LAKEHOUSE_HOME=str(home), LAKEHOUSE_SPARK_MODE=mode)
    cells, totals = [], []
    for i in range(runs):
        cell, total = one_run(env)
        cells.append(cell)
        totals.append(total)
        print(f"  {mode:<8} run {i + 1}/{runs}: cell {cell:5.2f} s, kernel start + cell {total:5.2f} s", flush=True)
    return {"cell_median": statistics.median(cells), "total_median": statistics.median(totals)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    from lakehouse.runtime.engine import start_engine, stop_engine

    with tempfile.TemporaryDirectory(prefix="bench-startup-") as tmp:
        shared_home, classic_home = Path(tmp, "shared"), Path(tmp, "classic")
        t = time.perf_counter()
        start_engine(shared_home, quiet=True)
        cold = time.perf_counter() - t
        print(f"shared engine cold start (once): {cold:.1f} s")
        try:
            connect = measure("connect", shared_home, args.runs)
        finally:
            stop_engine(shared_home)
        classic = measure("classic", classic_home, args.runs)
    print("\nmedians over", args.runs, "runs")
    print(f"| mode | cell: get_spark + first query | kernel start + cell |")
    print(f"|---|---|---|")
    for name, r in (("shared engine (connect)", connect), ("classic (in-process JVM)", classic)):
        print(f"| {name} | {r['cell_median']:.2f} s | {r['total_median']:.2f} s |")
    print(f"speed-up of the cell: {classic['cell_median'] / connect['cell_median']:.1f}x")


if __name__ == "__main__":
    main()
