"""Benchmark: the local ``cloudFiles`` source against Spark's built-in file stream source.

Creates its own input (numpy + pyarrow): the same rows as JSON lines and as CSV, split into
files; then, for each format, times ``trigger(availableNow=True)`` streams into the ``noop``
sink, alternating Spark's ``format("json"|"csv")`` stream (given the schema Auto Loader
inferred) and ``format("cloudFiles")`` (with rescue column and ``_metadata``). Reports rows/s,
the median of the runs and the ratio cloudFiles / built-in.

Usage:
    LAKEHOUSE_HOME=/tmp/lh-bench .venv/bin/python benchmarks/bench_autoloader.py [--rows 500000] [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv


def make_table(rows: int, seed: int = 7) -> pa.Table:
    """Synthetic customer events: ids, names, amounts, timestamps, flags, categories."""
    rng = np.random.default_rng(seed)
    ts = np.datetime64("2024-01-01T00:00:00") + rng.integers(0, 86400 * 365, rows).astype("timedelta64[s]")
    return pa.table({
        "event_id": pa.array(np.arange(rows, dtype=np.int64)),
        "customer_id": pa.array(rng.integers(1, 50_000, rows)),
        "name": pa.array(np.char.add("customer_", rng.integers(0, 50_000, rows).astype(str))),
        "amount": pa.array(np.round(rng.gamma(2.0, 40.0, rows), 2)),
        "event_time": pa.array(np.datetime_as_string(ts, unit="s")),
        "is_member": pa.array(rng.random(rows) < 0.3),
        "category": pa.array(rng.choice(["grocery", "fashion", "electronics", "home", "toys"], rows)),
    })


def write_inputs(table: pa.Table, root: Path, files: int) -> dict[str, Path]:
    """Write ``table`` as JSON lines and CSV, ``files`` files each."""
    out = {}
    for fmt in ("json", "csv"):
        folder = root / fmt
        folder.mkdir(parents=True)
        step = -(-table.num_rows // files)
        for i in range(files):
            part = table.slice(i * step, step)
            path = folder / f"part-{i:04d}.{fmt}"
            if fmt == "csv":
                pacsv.write_csv(part, path)
            else:
                cols = part.to_pydict()
                names = list(cols)
                with open(path, "w") as fh:
                    for row in zip(*cols.values()):
                        fh.write(json.dumps(dict(zip(names, row))) + "\n")
        out[fmt] = folder
    return out


def _run(spark, df, checkpoint: Path) -> float:
    start = time.perf_counter()
    q = df.writeStream.format("noop").option("checkpointLocation", str(checkpoint)).trigger(availableNow=True).start()
    q.awaitTermination()
    elapsed = time.perf_counter() - start
    if q.exception() is not None:
        raise RuntimeError(str(q.exception()))
    return elapsed


def bench(rows: int, runs: int, files: int) -> dict:
    """Run the benchmark; return {format: {builtin_rows_s, cloudfiles_rows_s, ratio}}."""
    from lakehouse import get_spark

    spark = get_spark()
    root = Path(tempfile.mkdtemp(prefix="bench-autoloader-"))
    results = {}
    try:
        inputs = write_inputs(make_table(rows), root / "in", files)
        for fmt, folder in inputs.items():
            schema_dir = root / f"schema-{fmt}"

            def cloud():
                r = (spark.readStream.format("cloudFiles").option("cloudFiles.format", fmt)
                     .option("cloudFiles.schemaLocation", str(schema_dir)))
                return r.option("header", "true").load(str(folder)) if fmt == "csv" else r.load(str(folder))

            data_cols = [f for f in cloud().schema.fields if f.name not in ("_rescued_data", "_metadata")]
            from pyspark.sql.types import StructType

            schema = StructType(data_cols)

            def builtin():
                r = spark.readStream.format(fmt).schema(schema).option("maxFilesPerTrigger", 1000)
                return r.option("header", "true").load(str(folder)) if fmt == "csv" else r.load(str(folder))

            _run(spark, builtin(), root / f"warm-b-{fmt}")  # warm both paths (JIT, Python workers)
            _run(spark, cloud(), root / f"warm-c-{fmt}")
            times = {"builtin": [], "cloudfiles": []}
            for i in range(runs):
                times["builtin"].append(_run(spark, builtin(), root / f"chk-b-{fmt}-{i}"))
                times["cloudfiles"].append(_run(spark, cloud(), root / f"chk-c-{fmt}-{i}"))
            b = rows / statistics.median(times["builtin"])
            c = rows / statistics.median(times["cloudfiles"])
            results[fmt] = {"builtin_rows_s": round(b), "cloudfiles_rows_s": round(c), "ratio": round(c / b, 2),
                            "builtin_s": [round(t, 2) for t in times["builtin"]],
                            "cloudfiles_s": [round(t, 2) for t in times["cloudfiles"]]}
            print(fmt, results[fmt], flush=True)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=500_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--files", type=int, default=8)
    args = parser.parse_args()
    results = bench(args.rows, args.runs, args.files)
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
