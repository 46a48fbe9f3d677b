"""Benchmark: what ``lakehouse.sql`` adds per statement over ``spark.sql`` on a pass-through query.

A query with nothing to govern (admin, no filter, no mask) on a 1,000-row Delta table, named with
two parts (``bench_pass.t``: resolved in the current catalog) and three parts
(``<catalog>.bench_pass.t``). Each form runs ``--runs`` times after one warm-up; the median of
call + ``collect()`` is reported for ``spark.sql`` and ``lakehouse.sql``, and their difference is the
per-statement overhead (parse, privilege checks, rewrite, audit spool, current catalog lookup); the two run
back to back in each round and the median of the per-round differences is reported too.
Uses the engine of ``LAKEHOUSE_HOME`` (started if needed).

Usage:
    .venv/bin/python benchmarks/bench_sql_passthrough.py [--runs 20]
"""

from __future__ import annotations

import argparse
import statistics
import time


def _timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def _paired(plain, governed, runs: int) -> tuple[float, float, float]:
    """Medians of plain, governed and of their per-run difference; the two run back to back in each
    round, so load from other processes hits both alike (the difference is the robust number)."""
    plain(), governed()
    pairs = [(_timed(plain), _timed(governed)) for _ in range(runs)]
    return (statistics.median(p for p, _ in pairs), statistics.median(g for _, g in pairs),
            statistics.median(g - p for p, g in pairs))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()

    import lakehouse
    from lakehouse import get_spark

    spark = get_spark()
    spark.sql("CREATE SCHEMA IF NOT EXISTS bench_pass")
    spark.sql("CREATE OR REPLACE TABLE bench_pass.t USING delta AS SELECT id, id % 7 AS k FROM range(1000)")
    catalog = spark.catalog.currentCatalog()
    for name in ("bench_pass.t", f"{catalog}.bench_pass.t"):
        query = f"SELECT k, count(*) AS n FROM {name} WHERE id > 10 GROUP BY k"
        plain, governed, overhead = _paired(lambda: spark.sql(query).collect(),
                                            lambda: lakehouse.sql(query).collect(), args.runs)
        print(f"{name:28s} spark.sql {plain * 1000:7.1f} ms   lakehouse.sql {governed * 1000:7.1f} ms   "
              f"overhead {overhead * 1000:6.1f} ms  (medians of {args.runs} back-to-back pairs, catalog {catalog})")


if __name__ == "__main__":
    main()
