"""Benchmark: the Gold build (``lakehouse.c360.gold.build``) at several data scales, and how it grows.

For each ``--scale``: generate the C360 data set (seed 42), land every batch, run the reference
Bronze and Silver into the schema ``bench_gold_s<scale>`` — once; a later run of this script
reuses them — then time ``gold.build`` (all five Gold tables, a full refresh) ``--runs`` times, the scales
interleaved.
Prints per scale the Silver input rows, the Gold output rows, each run's seconds and the median,
and the ratio of each median to the first scale's (how cost grows with data). JSON on stdout.

Usage:
    LAKEHOUSE_HOME=/tmp/lh-gold .venv/bin/python benchmarks/bench_gold.py --scale 1 --scale 10 [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path


def prepare(spark, scale: float, home: Path) -> str:
    """Reference Silver of the scale's data set in its own schema (built once, reused after)."""
    from lakehouse.c360 import bronze, silver
    from lakehouse.datagen import arrive, generate

    tag = f"{scale:g}".replace(".", "_")
    schema = f"spark_catalog.bench_gold_s{tag}"
    root = home / "bench-gold" / f"scale-{scale:g}"
    done = root / "silver.json"
    if done.is_file() and spark.catalog.tableExists(f"{schema}.silver_transactions"):
        return schema
    spark.sql(f"CREATE SCHEMA IF NOT EXISTS {schema}")
    t = time.monotonic()
    generate(root / "src", scale=scale, seed=42, progress=False)
    arrive(root / "src", root / "landing", batches="all", spark=spark, verbose=False)
    bronze.ingest_all(spark, str(root / "landing"), schema=schema, checkpoints=str(root / "ckpt"),
                      schemas=str(root / "schemas"))
    counts = silver.build(spark, schema)
    done.write_text(json.dumps({"silver": counts, "prepare_s": round(time.monotonic() - t, 1)}, default=str))
    return schema


def main(argv: list[str] | None = None) -> int:
    """Prepare each scale, time the Gold build, print JSON."""
    from lakehouse import get_spark
    from lakehouse.c360 import gold
    from lakehouse.runtime.paths import lakehouse_home

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, action="append", help="data scale (repeat; default 1 and 10)")
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args(argv)
    scales = args.scale or [1.0, 10.0]
    spark = get_spark()
    prepared = []
    for scale in scales:
        schema = prepare(spark, scale, lakehouse_home())
        silver_rows = {n: spark.table(f"{schema}.{t}").count()
                       for n, t in gold.silver_names(layer_prefix=True).items() if n != "rejects"}
        prepared.append((scale, schema, silver_rows))
    # Runs are interleaved (scale 1, scale 10, scale 1, ...) so that a change in machine load
    # during the benchmark lands on every scale alike and the ratio stays comparable.
    times = {scale: [] for scale in scales}
    counts = {}
    for _ in range(args.runs):
        for scale, schema, _rows in prepared:
            t = time.monotonic()
            counts[scale] = gold.build(spark, schema, layer_prefix=True)
            times[scale].append(round(time.monotonic() - t, 1))
            print(json.dumps({"scale": scale, "run_s": times[scale][-1]}), flush=True)
    results = []
    for scale, _schema, silver_rows in prepared:
        results.append({"scale": scale, "silver_rows": silver_rows, "gold_rows": counts[scale],
                        "runs_s": times[scale], "median_s": statistics.median(times[scale])})
        print(json.dumps(results[-1]), flush=True)
    base = results[0]["median_s"]
    print(json.dumps({"ratio_to_first_scale": {r["scale"]: round(r["median_s"] / base, 2) for r in results}}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
