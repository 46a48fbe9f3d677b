"""Benchmark: time `lakehouse.datagen.generate` (Spark-free) and print the median of several runs.

The issue's target: scale 1 (10k customers, 500k transactions, 1M click events, 20k tickets)
in <= 20 s on a 2-core machine.

Usage:
    .venv/bin/python benchmarks/bench_datagen.py [--scale 1] [--runs 5] [--seed 42]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from lakehouse.datagen import generate

TARGET_S = 20.0


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; exit code 1 when the median misses the target."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args(argv)
    times, manifest = [], None
    root = Path(tempfile.mkdtemp(prefix="bench-datagen-"))
    try:
        for i in range(args.runs):
            out = root / f"run{i}"
            start = time.perf_counter()
            manifest = generate(out, scale=args.scale, seed=args.seed, progress=False)
            times.append(time.perf_counter() - start)
            size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
            shutil.rmtree(out)
            print(f"run {i + 1}/{args.runs}: {times[-1]:.2f} s ({size / 1e6:.0f} MB)", flush=True)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    rows = {s: t["rows"] for s, t in manifest["totals"].items()}
    median = statistics.median(times)
    print(f"generate scale {args.scale} ({rows}): median {median:.2f} s over {args.runs} runs "
          f"(min {min(times):.2f}, max {max(times):.2f}); target <= {TARGET_S:.0f} s at scale 1")
    return 0 if args.scale != 1.0 or median <= TARGET_S else 1


if __name__ == "__main__":
    raise SystemExit(main())
