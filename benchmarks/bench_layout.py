"""Benchmark: the before/after of lab 09 at scale — small files, Z-order, liquid clustering vs
partitioning, deletion vectors — in files read, bytes read and seconds.

Builds the lab's ``events`` table (generated transactions, ``--rows`` rows in ``--files`` random
files) in the schema ``bench_layout`` once per size, then for each layout technique measures the
same queries with :func:`lakehouse.perf.scan_metrics` ``--runs`` times and keeps the median
seconds (files and bytes read do not vary between runs). Prints a table per section and the
before/after ratios; JSON with ``--json``.

Usage:
    LAKEHOUSE_HOME=/tmp/lh-layout .venv/bin/python benchmarks/bench_layout.py --rows 10000000 [--runs 5]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from types import SimpleNamespace

SCHEMA = "spark_catalog.bench_layout"


def measure(query: str, runs: int, label: str) -> dict:
    """``scan_metrics`` of ``query`` ``runs`` times: files and bytes of the last run, median seconds."""
    from lakehouse.perf import scan_metrics

    results = [scan_metrics(query, label=label) for _ in range(runs)]
    last = results[-1].as_dict()
    last["seconds"] = round(statistics.median(r.seconds for r in results), 3)
    last["runs_s"] = [r.seconds for r in results]
    return {"label": label, **last}


def timed(spark, sql: str) -> float:
    start = time.perf_counter()
    spark.sql(sql).collect()
    return round(time.perf_counter() - start, 1)


def ratio(before: dict, after: dict) -> dict:
    out = {}
    for key in ("files_read", "bytes_read", "seconds"):
        out[key] = round(before[key] / after[key], 1) if after[key] else None
    return out


def main(argv: list[str] | None = None) -> int:
    """Build the table once, measure the four sections, print the tables (or JSON)."""
    from lakehouse import get_spark
    from lakehouse.course.labs.lab09_performance import build_events
    from lakehouse.perf import make_small_files

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--files", type=int, default=64, help="files of the events table and target after OPTIMIZE")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--small-commits", type=int, default=30)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    spark = get_spark()
    spark.sql(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}")
    ctx = SimpleNamespace(spark=spark, table=lambda name: f"{SCHEMA}.{name}")
    t0 = time.perf_counter()
    info = build_events(ctx, rows=args.rows, files=args.files)
    events, lookup, out = info["table"], info["lookup"], {"rows": info["rows"], "files": info["files"],
                                                         "bytes": info["bytes"], "runs": args.runs}
    out["build_s"] = round(time.perf_counter() - t0, 1)
    point = "SELECT * FROM {t} WHERE customer_id = '" + lookup + "'"
    week = ("SELECT count(*) AS orders, sum(amount) AS revenue FROM {t} "
            "WHERE transaction_date BETWEEN '2025-03-01' AND '2025-03-07'")
    full = "SELECT channel, sum(amount) AS revenue, count(DISTINCT customer_id) AS customers FROM {t} GROUP BY channel"
    r = args.runs

    # (1) small files
    small = ctx.table("small_files")
    out["small_files_written"] = make_small_files(spark.table(events), small, commits=args.small_commits,
                                                  files_per_commit=20)
    before = measure(full.format(t=small), r, "small files")
    out["optimize_s"] = timed(spark, f"OPTIMIZE {small}")
    after = measure(full.format(t=small), r, "compacted")
    out["small_files"] = {"before": before, "after": after, "ratio": ratio(before, after)}

    # (2) Z-order
    spark.conf.set("spark.databricks.delta.optimize.maxFileSize", str(info["bytes"] // args.files))
    zt = ctx.table("events_zorder")
    spark.sql(f"CREATE OR REPLACE TABLE {zt} USING delta AS SELECT /*+ REPARTITION({args.files}) */ * FROM {events}")
    pb, wb = measure(point.format(t=zt), r, "lookup, random"), measure(week.format(t=zt), r, "week, random")
    out["zorder_s"] = timed(spark, f"OPTIMIZE {zt} ZORDER BY (customer_id)")
    pa, wa = measure(point.format(t=zt), r, "lookup, Z-ordered"), measure(week.format(t=zt), r, "week, Z-ordered")
    out["zorder"] = {"lookup": {"before": pb, "after": pa, "ratio": ratio(pb, pa)},
                     "week": {"before": wb, "after": wa, "ratio": ratio(wb, wa)}}

    # (3) liquid clustering vs partitioning
    lc, pt = ctx.table("events_liquid"), ctx.table("events_by_month")
    spark.sql(f"CREATE OR REPLACE TABLE {lc} USING delta CLUSTER BY (customer_id, transaction_date) "
              f"AS SELECT * FROM {events}")
    out["cluster_s"] = timed(spark, f"OPTIMIZE {lc}")
    spark.sql(f"DROP TABLE IF EXISTS {pt}")
    spark.sql(f"""CREATE TABLE {pt} (transaction_id STRING, customer_id STRING, transaction_date DATE, amount DOUBLE,
                  channel STRING, transaction_month STRING GENERATED ALWAYS AS (date_format(transaction_date, 'yyyy-MM')))
                  USING delta PARTITIONED BY (transaction_month)""")
    spark.table(events).write.format("delta").mode("append").saveAsTable(pt)
    out["layouts"] = {name: {"lookup": measure(point.format(t=t), r, f"{name}: lookup"),
                             "week": measure(week.format(t=t), r, f"{name}: week")}
                      for name, t in (("random", events), ("zorder", zt), ("liquid", lc), ("by_month", pt))}
    files_in_lc = spark.sql(f"DESCRIBE DETAIL {lc}").first()["numFiles"]
    spark.table(events).where("amount < 4").write.format("delta").mode("append").saveAsTable(lc)
    recluster_s = timed(spark, f"OPTIMIZE {lc}")
    last = spark.sql(f"DESCRIBE HISTORY {lc}").where("operation = 'OPTIMIZE'").orderBy("version", ascending=False).first()
    out["recluster"] = {"files_before_append": files_in_lc, "seconds": recluster_s,
                        "files_removed": int(last.operationMetrics["numRemovedFiles"])}

    # (4) deletion vectors
    dv = {}
    for name, on in (("copy_on_write", "false"), ("deletion_vectors", "true")):
        t = ctx.table(f"dv_{name}")
        spark.sql(f"CREATE OR REPLACE TABLE {t} USING delta TBLPROPERTIES ('delta.enableDeletionVectors' = {on}) "
                  f"AS SELECT * FROM {zt}")
        seconds = timed(spark, f"DELETE FROM {t} WHERE amount < 1")
        metrics = spark.sql(f"DESCRIBE HISTORY {t}").where("operation = 'DELETE'").first().operationMetrics
        dv[name] = {"delete_s": seconds, "files_added": int(metrics["numAddedFiles"]),
                    "rows_copied": int(metrics.get("numCopiedRows", 0)),
                    "dvs_added": int(metrics.get("numDeletionVectorsAdded", 0)),
                    "read_after": measure(full.format(t=t), r, f"{name}: full read")}
    out["deletion_vectors"] = dv
    spark.conf.unset("spark.databricks.delta.optimize.maxFileSize")

    if args.json:
        print(json.dumps(out, indent=1, default=str))
    else:
        report(out)
    return 0


def report(out: dict) -> None:
    """Print the sections as small tables."""
    def row(m):
        return f"{m['label']:<28} {m['files_read']:>6}/{m['files_total'] or '-':<6} {m['bytes_read'] / 1e6:>9.1f} MB {m['seconds']:>8.2f} s"

    print(f"events: {out['rows']:,} rows, {out['files']} files, {out['bytes'] / 1e6:.0f} MB "
          f"(built in {out['build_s']} s); median of {out['runs']} runs")
    s = out["small_files"]
    print(f"\n(1) small files: {out['small_files_written']} files written; OPTIMIZE {out['optimize_s']} s")
    print(row(s["before"])); print(row(s["after"])); print("    ratio before/after:", s["ratio"])
    z = out["zorder"]
    print(f"\n(2) Z-order by customer_id: OPTIMIZE ZORDER {out['zorder_s']} s")
    for q in ("lookup", "week"):
        print(row(z[q]["before"])); print(row(z[q]["after"])); print(f"    {q} ratio:", z[q]["ratio"])
    print(f"\n(3) layouts (liquid OPTIMIZE {out['cluster_s']} s)")
    for name, runs in out["layouts"].items():
        print(row(runs["lookup"])); print(row(runs["week"]))
    rc = out["recluster"]
    print(f"    after ~2% new rows, OPTIMIZE re-clustered {rc['files_removed']} of {rc['files_before_append']}+ files "
          f"in {rc['seconds']} s")
    print("\n(4) DELETE of ~0.5% rows spread over every file")
    for name, d in out["deletion_vectors"].items():
        print(f"{name:<18} delete {d['delete_s']:>6} s, files added {d['files_added']}, rows copied {d['rows_copied']:,}, "
              f"DVs {d['dvs_added']}; " + row(d["read_after"]))


if __name__ == "__main__":
    raise SystemExit(main())
