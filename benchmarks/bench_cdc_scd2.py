"""Benchmark: SCD type 2 ``apply_changes`` of a 10% change batch onto a 1M-row dimension.

Builds the dimension first (1M current versions written directly as a Delta table, plus one
empty ``apply_changes`` call that creates the hidden state table), then times
``lakehouse.cdc.apply_changes`` of one change batch: 80% updates of existing keys (a tracked
column changes), 10% new keys, 10% deletes. Before each run the target and the state table are
restored to the built version (``RESTORE TABLE``), so every run applies the same batch to the
same dimension. Reports the wall time of each run, the median, and from ``DESCRIBE HISTORY``
the target MERGE's files removed/added and rows inserted/updated/deleted.

Usage:
    LAKEHOUSE_HOME=/tmp/lh-bench .venv/bin/python benchmarks/bench_cdc_scd2.py [--rows 1000000] [--fraction 0.1] [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
import uuid


def build_dimension(spark, target: str, rows: int, files: int) -> None:
    """Write ``rows`` current versions (``__START_AT`` = 1, ``__END_AT`` null) into ``target``."""
    from pyspark.sql import functions as F

    dim = (spark.range(rows).repartition(files)
           .select(F.col("id").alias("customer_id"),
                   F.concat(F.lit("name_"), F.col("id").cast("string")).alias("name"),
                   F.element_at(F.array(*[F.lit(c) for c in ("Oslo", "Lima", "Rome", "Pune", "Kyiv")]),
                                (F.col("id") % 5 + 1).cast("int")).alias("city"),
                   (F.col("id") % 97).cast("int").alias("segment"),
                   F.lit(1).cast("long").alias("__START_AT"),
                   F.lit(None).cast("long").alias("__END_AT")))
    dim.write.format("delta").saveAsTable(target)


def change_batch(spark, rows: int, fraction: float):
    """``fraction * rows`` change rows: 80% updates, 10% inserts (new keys), 10% deletes."""
    from pyspark.sql import functions as F

    n = int(rows * fraction)
    step = max(rows // n, 1)
    picked = spark.range(n).select((F.col("id") * step).alias("customer_id"), F.col("id").alias("i"))
    kind = F.when(F.col("i") % 10 == 0, "INSERT").when(F.col("i") % 10 == 1, "DELETE").otherwise("UPDATE")
    return picked.select(
        F.when(kind == "INSERT", F.col("customer_id") + rows * 10).otherwise(F.col("customer_id"))
        .alias("customer_id"),
        F.concat(F.lit("name_"), F.col("customer_id").cast("string")).alias("name"),
        F.lit("Quito").alias("city"),
        (F.col("customer_id") % 97).cast("int").alias("segment"),
        kind.alias("operation"),
        (F.lit(2) + F.col("i") % 3).cast("long").alias("seq"))


def main(argv: list[str] | None = None) -> int:
    """Build, run, report (JSON on stdout)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--fraction", type=float, default=0.1)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--files", type=int, default=8, help="files in the built dimension")
    args = parser.parse_args(argv)

    from pyspark.sql import functions as F

    from lakehouse import get_spark
    from lakehouse.cdc import apply_changes

    spark = get_spark()
    schema = f"bench_cdc_{uuid.uuid4().hex[:8]}"
    target, state = f"{schema}.customers", f"{schema}.__cdc_state_customers"
    spark.sql(f"CREATE SCHEMA {schema}")
    cdc_args = dict(keys=["customer_id"], sequence_by="seq", apply_as_deletes="operation = 'DELETE'",
                    except_column_list=["operation", "seq"], stored_as_scd_type=2)
    try:
        t0 = time.perf_counter()
        build_dimension(spark, target, args.rows, args.files)
        apply_changes(target, change_batch(spark, args.rows, args.fraction).limit(0), **cdc_args)
        built = time.perf_counter() - t0
        versions = {name: spark.sql(f"DESCRIBE HISTORY {name}").agg(F.max("version")).first()[0]
                    for name in (target, state)}
        batch = change_batch(spark, args.rows, args.fraction)
        runs, metrics, result = [], {}, None
        for run in range(args.runs):
            if run:
                for name, version in versions.items():
                    spark.sql(f"RESTORE TABLE {name} TO VERSION AS OF {version}")
            start = time.perf_counter()
            result = apply_changes(target, batch, **cdc_args)
            runs.append(time.perf_counter() - start)
            merge = (spark.sql(f"DESCRIBE HISTORY {target}").where(F.col("operation") == "MERGE")
                     .orderBy(F.col("version").desc()).first())
            metrics = {k: merge["operationMetrics"].get(k) for k in (
                "numTargetFilesRemoved", "numTargetFilesAdded", "numTargetRowsInserted",
                "numTargetRowsUpdated", "numTargetRowsDeleted", "numSourceRows", "executionTimeMs")}
        report = {
            "rows": args.rows, "change_rows": result.rows_in, "runs": args.runs,
            "build_s": round(built, 1), "apply_s": [round(r, 1) for r in runs],
            "median_apply_s": round(statistics.median(runs), 1),
            "dimension_files": args.files, "target_merge": metrics,
            "result": {"upserts": result.upserts, "deletes": result.deletes, "ignored": result.ignored,
                       "rows_written": result.rows_written},
            "rows_after": spark.table(target).count(),
        }
        print(json.dumps(report, indent=2))
    finally:
        spark.sql(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
