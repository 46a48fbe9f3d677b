"""Benchmark: the real-time C360 (``lakehouse.c360.realtime``) — latency and throughput.

1. **Latency**: the bronze and silver queries run with ``trigger(processingTime=...)``; one
   small CSV file of clean transactions (known customers, new ids, event times moving forward)
   lands at a time; the latency is the time from the file's rename into the landing folder to
   its rows being visible in ``gold_revenue_per_minute`` (the gold orders add up to every row
   landed so far). Median and p95 over ``--files`` files.
2. **Throughput**: every batch of the generated data set at ``--scale`` (1 = 500k transactions)
   is landed, then bronze and silver run with ``availableNow``; rows/s of each query and of the
   pair (landed rows / wall time).

Usage:
    LAKEHOUSE_HOME=/tmp/lh-bench-stream .venv/bin/python benchmarks/bench_streaming.py [--files 20] [--scale 1]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path

HEADER = "transaction_id,customer_id,transaction_ts,amount,currency,channel,product_category,quantity,store_id,region"


def _layout(spark, root: Path, name: str):
    from lakehouse.c360 import realtime as st

    schema = f"spark_catalog.bench_{name}"
    spark.sql(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
    spark.sql(f"CREATE SCHEMA {schema}")
    return st.Layout(schema, str(root / "landing"), str(root / "ckpt"), str(root / "schemas"),
                     f"{schema}.silver_customers", prefix=f"bench_{name}_")


def latency(spark, source: Path, root: Path, files: int, rows_per_file: int, trigger: str) -> list[float]:
    """Seconds from each file landing to its rows counted in gold."""
    from lakehouse.c360 import realtime as st

    layout = _layout(spark, root, "latency")
    st.prepare_customers(spark, source, layout)
    ids = [r.customer_id for r in spark.table(layout.customers).where("__END_AT IS NULL")
           .select("customer_id").distinct().limit(50).collect()]
    folder = Path(layout.landing, "transactions")
    folder.mkdir(parents=True, exist_ok=True)

    def write(i: int) -> None:
        base = 1_704_067_200 + i * 3600  # an hour apart: the watermark moves on, nothing is late
        lines = [f"T8{i:04d}{j:05d},{ids[j % len(ids)]},"
                 f"{time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(base + j))},{10 + j % 7}.50,USD,web,home,1,"
                 f"ONLINE,us-east" for j in range(rows_per_file)]
        tmp = folder / f".f{i:04d}.tmp"
        tmp.write_text(HEADER + "\n" + "\n".join(lines) + "\n")
        os.replace(tmp, folder / f"f{i:04d}.csv")

    write(0)  # the first file lets Auto Loader infer the schema and warms both queries up
    queries = [st.start_bronze(spark, layout, trigger={"processingTime": trigger}),
               st.start_silver(spark, layout, trigger={"processingTime": trigger})]
    gold = layout.table("gold")
    out = []
    try:
        _until(lambda: spark.catalog.tableExists(gold) and _orders(spark, gold) == rows_per_file, 300)
        for i in range(1, files + 1):
            write(i)
            landed = time.monotonic()
            _until(lambda n=(i + 1) * rows_per_file: _orders(spark, gold) == n, 300)
            out.append(time.monotonic() - landed)
            print(f"  file {i}: {out[-1]:.2f} s", flush=True)
    finally:
        for q in queries:
            q.stop()
    return out


def _orders(spark, gold: str) -> int:
    return spark.sql(f"SELECT coalesce(sum(orders), 0) AS n FROM {gold}").first().n


def _until(condition, timeout_s: float, poll_s: float = 0.1) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the rows did not reach gold in time")
        time.sleep(poll_s)


def throughput(spark, source: Path, root: Path) -> dict:
    """Rows/s of the bronze and silver queries over every batch of ``source`` (availableNow)."""
    from lakehouse.c360 import realtime as st
    from lakehouse.datagen import land_files, read_manifest
    from lakehouse.streaming import progress

    layout = _layout(spark, root, "throughput")
    st.prepare_customers(spark, source, layout)
    manifest = read_manifest(source)
    for b in range(manifest["num_batches"]):
        land_files(source, layout.landing, b, sources=("transactions",))
    rows = sum(x["sources"]["transactions"]["rows"] for x in manifest["batches"])
    result = {"rows": rows}
    for name in ("bronze", "silver"):
        started = time.monotonic()
        query = st.STARTERS[name](spark, layout)
        query.awaitTermination()
        seconds = time.monotonic() - started
        batches = progress(query)
        result[name] = {"seconds": round(seconds, 1), "rows_per_s": round(rows / seconds),
                        "micro_batches": len(batches),
                        "processed_rows_per_s": [round(b["processedRowsPerSecond"]) for b in batches]}
    result["pair_rows_per_s"] = round(rows / (result["bronze"]["seconds"] + result["silver"]["seconds"]))
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=20)
    parser.add_argument("--rows-per-file", type=int, default=50)
    parser.add_argument("--trigger", default="1 second")
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--skip-throughput", action="store_true")
    args = parser.parse_args()

    from lakehouse import get_spark
    from lakehouse.datagen import generate

    spark = get_spark()
    root = Path(tempfile.mkdtemp(prefix="bench-stream-"))
    try:
        small = root / "src-small"
        generate(small, scale=0.01, seed=42, progress=False)
        lat = latency(spark, small, root / "latency", args.files, args.rows_per_file, args.trigger)
        ordered = sorted(lat)
        report = {"latency_s": {"files": len(lat), "trigger": args.trigger, "median": round(statistics.median(lat), 2),
                                "p95": round(ordered[max(0, int(round(0.95 * len(ordered))) - 1)], 2),
                                "min": round(ordered[0], 2), "max": round(ordered[-1], 2)},
                  "load_average": os.getloadavg()}
        print(json.dumps(report), flush=True)
        if not args.skip_throughput:
            big = root / "src-big"
            generate(big, scale=args.scale, seed=42, progress=False)
            report["throughput"] = throughput(spark, big, root / "throughput")
            report["load_average_end"] = os.getloadavg()
        print(json.dumps(report, indent=1))
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
