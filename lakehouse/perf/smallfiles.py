"""Make the small-files problem on purpose: a table written as many tiny appends.

Streaming ingestion and frequent small batch jobs do this to real tables: every commit adds a
few small files, and every later read pays a fixed cost per file (open, footer, task). The
cure is compaction, ``OPTIMIZE`` (https://docs.databricks.com/aws/en/delta/optimize).

Example:
    >>> from lakehouse.perf import make_small_files                      # doctest: +SKIP
    >>> make_small_files(df, "main.lab09.small", commits=20, files_per_commit=10)   # doctest: +SKIP
    200
"""

from __future__ import annotations

from .errors import PerfArgumentError


def _positive(name: str, value) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise PerfArgumentError(f"{name} must be a positive int, got {value!r}.")


def make_small_files(df, table: str, *, commits: int = 20, files_per_commit: int = 10) -> int:
    """Write ``df`` to the Delta table ``table`` as ``commits`` appends of ``files_per_commit`` files each.

    The table is replaced first (the first commit overwrites), so a re-run starts over. The rows
    are split by a hash of all their columns (the same rows each time) into the commits.

    Args:
        df: the rows to write (a batch DataFrame).
        table: the table name (``catalog.schema.table``).
        commits: how many appends (each one a Delta commit).
        files_per_commit: how many files each append writes.

    Returns:
        The number of data files in the table afterwards (``DESCRIBE DETAIL numFiles``).

    Raises:
        PerfArgumentError: a count is not a positive int, or ``table`` is not a name.

    Example:
        >>> make_small_files(spark.range(1000), "spark_catalog.demo.small", commits=5, files_per_commit=4)  # doctest: +SKIP
        20
    """
    _positive("commits", commits)
    _positive("files_per_commit", files_per_commit)
    if not isinstance(table, str) or not table.strip():
        raise PerfArgumentError(f"table must be a table name, got {table!r}.")
    from pyspark.sql import functions as F

    slot = F.pmod(F.xxhash64(*[F.col(c) for c in df.columns]), F.lit(commits))
    for i in range(commits):
        part = df.where(slot == i) if commits > 1 else df
        (part.repartition(files_per_commit).write.format("delta")
         .mode("overwrite" if i == 0 else "append").option("overwriteSchema", "true").saveAsTable(table))
    return int(df.sparkSession.sql(f"DESCRIBE DETAIL {table}").first()["numFiles"])
