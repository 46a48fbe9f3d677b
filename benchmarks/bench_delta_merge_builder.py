"""Benchmark: ``DeltaTable.merge`` builder over the shared engine vs the same ``MERGE INTO`` SQL.

Builds a 1M-row Delta target once (version 0) and a 100k-row change set (half updates of
existing ids, half new ids) saved as a Delta table. Each run restores the target to version 0
(``RESTORE TABLE``, untimed), then times one upsert: either
``DeltaTable.forName(...).alias("t").merge(src.alias("s"), "t.id = s.id")
.whenMatchedUpdateAll().whenNotMatchedInsertAll().execute()`` (through our Delta Connect
plugin) or ``MERGE INTO ... WHEN MATCHED THEN UPDATE SET * WHEN NOT MATCHED THEN INSERT *``.
One untimed warm-up of each, then runs alternate builder / SQL (the order flips each run). Checks that both leave the same table (row count and an
order-independent hash of all rows) and that both report the same merge metrics.
Prints JSON: each run's seconds, the medians and their ratio (builder / SQL).

Usage:
    LAKEHOUSE_HOME=/tmp/lh-bench .venv/bin/python benchmarks/bench_delta_merge_builder.py [--rows 1000000] [--changes 100000] [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time


def fingerprint(spark, table: str) -> list:
    """Row count and an order-independent hash of every row."""
    r = spark.sql(f"SELECT count(*) AS n, sum(hash(*)) AS h FROM {table}").first()
    return [r.n, r.h]


def main(argv: list[str] | None = None) -> int:
    """Build, run, report (JSON on stdout)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--changes", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)

    from delta.tables import DeltaTable
    from pyspark.sql import functions as F

    from lakehouse import get_spark

    spark = get_spark()
    spark.sql("CREATE SCHEMA IF NOT EXISTS bench_merge")
    target, changes = "bench_merge.target", "bench_merge.changes"
    for t in (target, changes):
        spark.sql(f"DROP TABLE IF EXISTS {t}")
    (spark.range(args.rows).repartition(8)
     .select("id", F.concat(F.lit("name_"), F.col("id").cast("string")).alias("name"),
             (F.col("id") % 97).cast("int").alias("segment"), F.lit(0).cast("long").alias("updated"))
     .write.format("delta").saveAsTable(target))
    half = args.changes // 2
    step = max(args.rows // half, 1)
    (spark.range(args.changes)
     .select(F.when(F.col("id") < half, F.col("id") * step).otherwise(F.col("id") + args.rows * 10).alias("id"),
             F.lit("changed").alias("name"), F.lit(1).alias("segment"), F.lit(1).cast("long").alias("updated"))
     .write.format("delta").saveAsTable(changes))

    def builder() -> list:
        m = (DeltaTable.forName(spark, target).alias("t")
             .merge(spark.table(changes).alias("s"), "t.id = s.id")
             .whenMatchedUpdateAll().whenNotMatchedInsertAll().execute())
        return list(m.first())

    def sql() -> list:
        return list(spark.sql(f"MERGE INTO {target} t USING {changes} s ON t.id = s.id "
                              "WHEN MATCHED THEN UPDATE SET * WHEN NOT MATCHED THEN INSERT *").first())

    times: dict[str, list[float]] = {"builder": [], "sql": []}
    metrics, results = {}, {}
    pairs = [("builder", builder), ("sql", sql)]
    for run in range(args.runs + 1):  # run 0 warms both paths up (JIT, caches) and is not timed
        for name, fn in (pairs if run % 2 else pairs[::-1]):
            spark.sql(f"RESTORE TABLE {target} TO VERSION AS OF 0")
            start = time.perf_counter()
            metrics[name] = fn()
            if run:
                times[name].append(round(time.perf_counter() - start, 2))
            results[name] = fingerprint(spark, target)
    med = {k: statistics.median(v) for k, v in times.items()}
    report = {"rows": args.rows, "changes": args.changes, "runs": times, "median_s": med,
              "ratio_builder_over_sql": round(med["builder"] / med["sql"], 2),
              "same_table": results["builder"] == results["sql"], "table": results["sql"],
              "same_metrics": metrics["builder"] == metrics["sql"], "metrics": metrics["sql"]}
    print(json.dumps(report, indent=1))
    spark.sql("DROP SCHEMA bench_merge CASCADE")
    return 0 if report["same_table"] and report["same_metrics"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
