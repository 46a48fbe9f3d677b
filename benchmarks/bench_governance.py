"""Benchmark: the overhead of ``lakehouse.sql`` (Unity Catalog emulation) over plain ``spark.sql``.

One Delta table of ``--rows`` customers (id, email, region) in the schema ``bench_gov``, with a
row filter (by region group) and an email mask, readable by the group ``managers``. The same
aggregate query runs ``--runs`` times (median reported, after one warm-up each) as:

* ``spark.sql``                 — plain Spark, no governance (reads every row, unmasked);
* ``lakehouse.sql`` on an unsecured copy, as admin — what labs 06/07 pay (parse, translate,
                                  audit spool; no filter, no mask);
* ``lakehouse.sql`` as admin    — the fixed cost: parse, checks, rewrite, audit spool (filter and
                                  mask still evaluate: admins pass them);
* ``lakehouse.sql`` as manager  — a non-admin reader: privilege checks, filter and mask.

Each is timed twice: the call alone (what the Python side adds before Spark runs) and the call
plus ``collect()``. Uses the engine of ``LAKEHOUSE_HOME`` (started if needed).

Usage:
    .venv/bin/python benchmarks/bench_governance.py [--rows 100000] [--runs 20]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

QUERY = "SELECT region, count(*) AS n, count(DISTINCT email) AS emails FROM {t} GROUP BY region"


def _median(fn, runs: int) -> float:
    fn()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()

    import lakehouse
    from lakehouse import as_user, sql
    from lakehouse.governance.store import Metastore

    spark = lakehouse.get_spark()
    schema, table = "spark_catalog.bench_gov", "spark_catalog.bench_gov.customers"
    spark.sql(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
    store = Metastore.load()
    store.forget(schema)
    store.save()
    spark.sql(f"CREATE SCHEMA {schema}")
    (spark.range(args.rows).selectExpr("id", "concat('user', id, '@d', id % 50, '.example') AS email",
                                       "element_at(array('us-east', 'us-west', 'eu-west', 'uk'), "
                                       "CAST(id % 4 + 1 AS INT)) AS region")
     .write.format("delta").saveAsTable(table))
    spark.table(table).write.format("delta").saveAsTable(f"{schema}.plain")
    sql(f"CREATE FUNCTION {schema}.by_region(r STRING) RETURN is_account_group_member('admins') "
        "OR is_account_group_member(concat('region_', replace(r, '-', '_')))")
    sql(f"CREATE FUNCTION {schema}.mask(e STRING) RETURN CASE WHEN is_account_group_member('admins') THEN e "
        "ELSE concat('***@', split_part(e, '@', 2)) END")
    sql(f"ALTER TABLE {table} SET ROW FILTER {schema}.by_region ON (region)")
    sql(f"ALTER TABLE {table} ALTER COLUMN email SET MASK {schema}.mask")
    sql("GRANT USE CATALOG ON CATALOG spark_catalog TO `managers`")
    sql(f"GRANT USE SCHEMA ON SCHEMA {schema} TO `managers`")
    sql(f"GRANT SELECT ON TABLE {table} TO `managers`")
    query = QUERY.format(t=table)

    def manager(fn):
        def run():
            with as_user("manager.east@c360.example"):
                return fn()
        return run

    cases = {
        "spark.sql": lambda: spark.sql(query),
        "lakehouse.sql unsecured": lambda: sql(QUERY.format(t=f"{schema}.plain")),
        "lakehouse.sql as admin": lambda: sql(query),
        "lakehouse.sql as manager": manager(lambda: sql(query)),
    }
    print(f"rows {args.rows:,}, runs {args.runs} (median), load {os.getloadavg()[0]:.1f}")
    results = {}
    for name, call in cases.items():
        results[name] = (_median(call, args.runs), _median(lambda c=call: c().collect(), args.runs))
        print(f"{name:26s} call {results[name][0] * 1000:7.1f} ms   call + collect {results[name][1] * 1000:7.1f} ms")
    base = results["spark.sql"]
    for name in list(cases)[1:]:
        print(f"overhead {name:26s} call +{(results[name][0] - base[0]) * 1000:6.1f} ms   "
              f"end to end +{(results[name][1] - base[1]) * 1000:6.1f} ms ({results[name][1] / base[1]:.2f}x)")
    spark.sql(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
    store = Metastore.load()
    store.forget(schema)
    store.save()


if __name__ == "__main__":
    main()
