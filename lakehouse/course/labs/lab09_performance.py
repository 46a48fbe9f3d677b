"""Checks of lab 09 · Performance: compaction, Z-order, liquid clustering, deletion vectors and
a broadcast join, each proven by what the Delta log and the executed plan say.

The lab measures its own table, ``events``: the reference Silver transactions
(``c360_silver.transactions``, from ``make pipeline``) when they exist with enough rows, else
generated transactions in the same shape. Expected states come from the Delta log
(``DESCRIBE HISTORY`` / ``DESCRIBE DETAIL``) and from the plan metrics of
:func:`lakehouse.perf.scan_metrics`, never from the learner's own numbers.

Example:
    >>> from lakehouse.course.labs.lab09_performance import CHECKS
    >>> [c.name for c in CHECKS if c.todo]
    ['compacted', 'zordered', 'clustered', 'deletion_vectors', 'joined']
"""

from __future__ import annotations

import json

from ..answers import SqlAnswer
from ..grading import Check, NotAnswered, assert_equal, expect
from ...perf import plan_text, scan_metrics
from . import dataframe_or_fail, table_or_fail

OPTIMIZE_DOC = "https://docs.databricks.com/aws/en/delta/optimize"
SKIPPING_DOC = "https://docs.databricks.com/aws/en/delta/data-skipping"
CLUSTERING_DOC = "https://docs.databricks.com/aws/en/delta/clustering"
DV_DOC = "https://docs.databricks.com/aws/en/delta/deletion-vectors"
JOIN_DOC = "https://docs.databricks.com/aws/en/sql/language-manual/sql-ref-syntax-qry-select-hints"
REFERENCE_SILVER = "spark_catalog.c360_silver.transactions"
CLUSTER_KEYS = ["customer_id", "transaction_date"]
# The lab's table ----------------------------------------------------------------------------------
def _generated(spark, rows: int):
    """Transactions in the Silver shape: ids as strings, ~20 purchases per customer over 2 years,
    in random order (every file spans every customer and every day)."""
    from pyspark.sql import functions as F

    customers = max(rows // 20, 1)
    h = F.abs(F.xxhash64("id"))
    return (spark.range(rows, numPartitions=4)
            .select(F.format_string("T%010d", "id").alias("transaction_id"),
                    F.format_string("C%07d", (h % customers).cast("int")).alias("customer_id"),
                    F.date_add(F.lit("2024-01-01").cast("date"), (F.abs(F.xxhash64("id", F.lit(1))) % 730)
                               .cast("int")).alias("transaction_date"),
                    F.round((F.abs(F.xxhash64("id", F.lit(2))) % 20000) / 100, 2).alias("amount"),
                    F.element_at(F.array(*[F.lit(c) for c in ("web", "mobile", "store")]),
                                 (h % 3 + 1).cast("int")).alias("channel"))
            .orderBy(F.xxhash64("id", F.lit(3))))


def _reference_silver(spark, rows: int):
    """The reference Silver transactions in the lab's shape, when they exist with ``rows`` rows."""
    from pyspark.sql import functions as F

    if not spark.catalog.tableExists(REFERENCE_SILVER):
        return None
    silver = spark.table(REFERENCE_SILVER)
    if silver.count() < rows:
        return None
    return silver.select("transaction_id", "customer_id", F.to_date("transaction_ts").alias("transaction_date"),
                         F.col("amount_usd").cast("double").alias("amount"), "channel").limit(rows)


def build_events(ctx, *, rows: int, files: int = 24) -> dict:
    """The lab's ``events`` table of ``rows`` rows in ``files`` randomly mixed files (built once per size).

    Returns ``{"table", "rows", "source", "lookup", "bytes"}``: ``lookup`` is a customer_id to look
    up; ``bytes`` the table's size, which sets the OPTIMIZE target file size of section 2.
    """
    spark, table = ctx.spark, ctx.table("events")
    wanted = {"rows": rows, "files": files}
    if spark.catalog.tableExists(table):
        props = {r.key: r.value for r in spark.sql(f"SHOW TBLPROPERTIES {table}").collect()}
        if props.get("lab09.built") == json.dumps(wanted):
            return _events_info(spark, table, props)
    source = _reference_silver(spark, rows)
    name = REFERENCE_SILVER if source is not None else "generated"
    df = source if source is not None else _generated(spark, rows)
    print(f"Writing {rows:,} transactions ({name}) into {files} files ...", flush=True)
    (df.repartition(files).write.format("delta").mode("overwrite").option("overwriteSchema", "true")
     .saveAsTable(table))
    lookup = spark.table(table).select("customer_id").where("customer_id IS NOT NULL").first()[0]
    if source is None:
        lookup = "C%07d" % (max(rows // 20, 1) // 3)
    spark.sql(f"ALTER TABLE {table} SET TBLPROPERTIES ('lab09.built' = '{json.dumps(wanted)}', "
              f"'lab09.source' = '{name}', 'lab09.lookup' = '{lookup}')")
    return _events_info(spark, table, {"lab09.source": name, "lab09.lookup": lookup})


def _events_info(spark, table, props) -> dict:
    detail = spark.sql(f"DESCRIBE DETAIL {table}").first()
    return {"table": table, "rows": spark.table(table).count(), "source": props["lab09.source"],
            "lookup": props["lab09.lookup"], "bytes": int(detail["sizeInBytes"]), "files": int(detail["numFiles"])}


def _last(ctx, table: str, operation: str):
    """The latest commit of ``operation`` since the table was last created or replaced, or None
    (a re-run replaces the lab's tables: an OPTIMIZE of the previous run does not count)."""
    history = ctx.spark.sql(f"DESCRIBE HISTORY {table}").select("version", "operation", "operationParameters",
                                                                 "operationMetrics").collect()
    created = max((r.version for r in history if "CREATE" in r.operation or "REPLACE" in r.operation), default=-1)
    rows = sorted((r for r in history if r.operation == operation and r.version > created),
                  key=lambda r: r.version)
    return rows[-1] if rows else None


def _copy(ctx, source: str, target: str, *, clause: str = "", props: str = "") -> None:
    ctx.spark.sql(f"CREATE OR REPLACE TABLE {target} USING delta {clause} {props} AS SELECT * FROM {source}")


# TODO 1: compaction ---------------------------------------------------------------------------------
def _compacted(ctx, value, *, table, files_before):
    table_or_fail(ctx, table)
    optimize = _last(ctx, table, "OPTIMIZE")
    if optimize is None:
        raise NotAnswered(f"no OPTIMIZE in the history of {table.split('.')[-1]} yet")
    files = int(ctx.spark.sql(f"DESCRIBE DETAIL {table}").first()["numFiles"])
    return expect(files * 10 <= files_before,
                  f"{files} files after OPTIMIZE, {files_before} before: compaction should cut them 10x or more")


# TODO 2: Z-order ------------------------------------------------------------------------------------
def _zordered(ctx, value, *, table, lookup):
    table_or_fail(ctx, table)
    optimize = _last(ctx, table, "OPTIMIZE")
    zorder = json.loads(optimize["operationParameters"].get("zOrderBy") or "[]") if optimize else []
    if not zorder:
        raise NotAnswered(f"no OPTIMIZE ... ZORDER BY in the history of {table.split('.')[-1]} yet")
    assert_equal(zorder, ["customer_id"], "the Z-order columns")
    m = scan_metrics(ctx.spark.table(table).where(f"customer_id = '{lookup}'"))
    return expect(m.files_read * 5 <= m.files_total,
                  f"the point lookup reads {m.files_read} of {m.files_total} files after Z-ordering")


# TODO 3: liquid clustering --------------------------------------------------------------------------
def _clustered(ctx, value, *, table, source=None):
    table_or_fail(ctx, table)
    keys = list(ctx.spark.sql(f"DESCRIBE DETAIL {table}").first()["clusteringColumns"] or [])
    assert_equal(keys, CLUSTER_KEYS, f"the clustering columns of {table.split('.')[-1]}")
    optimize = _last(ctx, table, "OPTIMIZE")
    return expect(optimize is not None and int(optimize["operationMetrics"].get("numAddedFiles", 0)) > 0,
                  "the clustered table has not been OPTIMIZEd since it was written: its files are not clustered yet")


# TODO 4: deletion vectors ---------------------------------------------------------------------------
def _deletion_vectors(ctx, value, *, table, source=None):
    table_or_fail(ctx, table)
    delete = _last(ctx, table, "DELETE")
    if delete is None:
        raise NotAnswered(f"no DELETE in the history of {table.split('.')[-1]} yet")
    metrics = delete["operationMetrics"]
    added = int(metrics.get("numDeletionVectorsAdded", 0))
    expect(added > 0, f"the DELETE rewrote {metrics.get('numAddedFiles')} files and added no deletion vector: "
                      "were they enabled on the table before the DELETE?")
    return assert_equal(int(metrics.get("numCopiedRows", 0)), 0, "rows copied by the DELETE")


# TODO 5: broadcast join -----------------------------------------------------------------------------
def _joined(ctx, value, *, facts=None, customers=None):
    dataframe_or_fail(value, "joined", streaming=False)
    plan = plan_text(value, "simple")
    joins = sorted({word for line in plan.splitlines() for word in line.replace("+-", " ").split() if word.endswith("Join")})
    expect("BroadcastHashJoin" in joins, f"no BroadcastHashJoin in the physical plan; its joins: {joins}")
    return expect({"customer_id", "segment"} <= set(value.columns), f"joined has the columns {value.columns}")


# reference answers: make labs writes each body into the solution notebook's block
_COMPACTED_ANSWER = SqlAnswer("OPTIMIZE small_files")

_ZORDERED_ANSWER = SqlAnswer("OPTIMIZE events_zorder ZORDER BY (customer_id)")

_CLUSTERED_ANSWER = SqlAnswer("""
    CREATE OR REPLACE TABLE events_liquid USING delta CLUSTER BY (customer_id, transaction_date)
    AS SELECT * FROM events;

    OPTIMIZE events_liquid""")

_DELETION_VECTORS_ANSWER = SqlAnswer("""
    ALTER TABLE dv_on SET TBLPROPERTIES ('delta.enableDeletionVectors' = true);

    DELETE FROM dv_on WHERE amount < 1""")


def _joined_answer(facts, F, customers):
    joined = facts.join(F.broadcast(customers), "customer_id")
    return joined


CHECKS = [
    Check("compacted", "OPTIMIZE compacted the small files 10x or more", _compacted, todo=1, variable=False,
          nudge="OPTIMIZE (SQL) rewrites many small files into few large ones; run it on the table.",
          doc=OPTIMIZE_DOC, answer=_COMPACTED_ANSWER),
    Check("zordered", "OPTIMIZE ... ZORDER BY customer_id: a point lookup skips most files", _zordered, todo=2, variable=False,
          nudge="OPTIMIZE takes a ZORDER BY (columns) clause: co-locate the rows of the column the "
                "lookup filters on, so each file holds a narrow range of it.",
          doc=SKIPPING_DOC, answer=_ZORDERED_ANSWER),
    Check("clustered", "a liquid-clustered copy by customer_id and transaction_date, optimized", _clustered,
          todo=3, variable=False,
          nudge="a CTAS whose table declares its liquid clustering keys (CLUSTER BY); then OPTIMIZE clusters "
                "the files (a write alone does not).",
          doc=CLUSTERING_DOC,
          answer=_CLUSTERED_ANSWER),
    Check("deletion_vectors", "a DELETE that marks rows in deletion vectors and copies none", _deletion_vectors,
          todo=4, variable=False,
          nudge="the table property delta.enableDeletionVectors turns them on (ALTER TABLE ... SET "
                "TBLPROPERTIES); then run the same DELETE as on dv_off.",
          doc=DV_DOC,
          answer=_DELETION_VECTORS_ANSWER),
    Check("joined", "facts joined to the small customers table by a broadcast hash join in the plan", _joined, todo=5,
          nudge="a broadcast hint (pyspark.sql.functions.broadcast on the small side) ships it to every task, "
                "so the large side is never shuffled, whatever autoBroadcastJoinThreshold says.",
          doc=JOIN_DOC, answer=_joined_answer),
]


# Views of the history the notebook shows ------------------------------------------------------------
def optimize_history(ctx, table: str):
    """The table's OPTIMIZE commits, newest first: files and bytes removed and added, the layout clause."""
    return (ctx.spark.sql(f"DESCRIBE HISTORY {table}").where("operation = 'OPTIMIZE'").orderBy("version", ascending=False)
            .selectExpr("version",
                        "coalesce(operationParameters['zOrderBy'], '') AS zorder_by",
                        "coalesce(operationParameters['clusterBy'], '') AS cluster_by",
                        "coalesce(operationParameters['isFull'], '') AS full",
                        "CAST(operationMetrics['numRemovedFiles'] AS INT) AS files_removed",
                        "CAST(operationMetrics['numAddedFiles'] AS INT) AS files_added",
                        "CAST(operationMetrics['numRemovedBytes'] AS BIGINT) AS bytes_removed",
                        "CAST(operationMetrics['numAddedBytes'] AS BIGINT) AS bytes_added"))


def delete_history(ctx, tables: dict):
    """The latest DELETE of each table (name -> full name): rows deleted, files rewritten, DVs added, ms."""
    frames = []
    for name, table in tables.items():
        frames.append(ctx.spark.sql(f"DESCRIBE HISTORY {table}").where("operation = 'DELETE'")
                      .orderBy("version", ascending=False).limit(1)
                      .selectExpr(f"'{name}' AS table", "version",
                                  "CAST(operationMetrics['numDeletedRows'] AS BIGINT) AS rows_deleted",
                                  "CAST(operationMetrics['numRemovedFiles'] AS INT) AS files_removed",
                                  "CAST(operationMetrics['numAddedFiles'] AS INT) AS files_added",
                                  "CAST(operationMetrics['numCopiedRows'] AS BIGINT) AS rows_copied",
                                  "CAST(coalesce(operationMetrics['numDeletionVectorsAdded'], '0') AS INT) AS dvs_added",
                                  "CAST(operationMetrics['executionTimeMs'] AS BIGINT) AS ms"))
    out = frames[0]
    for more in frames[1:]:
        out = out.unionByName(more)
    return out
