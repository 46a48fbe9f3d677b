"""Checks of lab 01 · Delta Lake fundamentals: the log, schema evolution, time travel, RESTORE,
constraints, Change Data Feed, VACUUM, concurrent writers.

Example:
    >>> from lakehouse.course.labs.lab01_delta_lake_fundamentals import CHECKS
    >>> [c.todo for c in CHECKS if c.todo]
    [1, 2, 3, 4, 5, 6, 7]
"""

from __future__ import annotations

from pathlib import Path

from ..answers import SqlAnswer
from ..grading import Check, assert_equal, expect
from . import dataframe_or_fail, same_rows, table_or_fail

HISTORY_DOC = "https://docs.databricks.com/aws/en/delta/history"
SCHEMA_DOC = "https://docs.databricks.com/aws/en/delta/update-schema"
RESTORE_DOC = "https://docs.databricks.com/aws/en/sql/language-manual/delta-restore"
CONSTRAINTS_DOC = "https://docs.databricks.com/aws/en/tables/constraints"
CDF_DOC = "https://docs.databricks.com/aws/en/delta/delta-change-data-feed"
VACUUM_DOC = "https://docs.databricks.com/aws/en/sql/language-manual/delta-vacuum"
CONCURRENCY_DOC = "https://docs.databricks.com/aws/en/optimizations/isolation-level"


# TODO 1: files added by commit version 1 ------------------------------------------------------
# TODO 2: mergeSchema ----------------------------------------------------------------------------
def _evolved(ctx, value, *, table, new_signups=None):
    df = ctx.spark.table(table)
    expect("loyalty_points" in df.columns, f"no loyalty_points column yet: the columns are {df.columns}")
    found = df.where("customer_id IN (7, 8)").select("customer_id").distinct().count()
    return expect(found == 2, f"{found} of the new customers 7 and 8 are in the table")


# TODO 3 / 4: time travel ---------------------------------------------------------------------------
def _tier_counts(df) -> dict:
    return {r["tier"]: r["count"] for r in df.groupBy("tier").count().collect()}


def _at_version(ctx, table, version):
    return ctx.spark.read.option("versionAsOf", version).table(table)


def _before_mistake(ctx, value, *, table, good_version):
    dataframe_or_fail(value, "before_mistake", streaming=False)
    return assert_equal(_tier_counts(value), _tier_counts(_at_version(ctx, table, good_version)),
                        "tier counts of before_mistake")


def _at_good_ts(ctx, value, *, table, good_ts, good_version):
    dataframe_or_fail(value, "at_good_ts", streaming=False)
    return same_rows(value, _at_version(ctx, table, good_version))


# TODO 5: RESTORE ----------------------------------------------------------------------------------
def _restored(ctx, value, *, table, good_version):
    return same_rows(ctx.spark.table(table), _at_version(ctx, table, good_version))


# TODO 6: CHECK constraint -------------------------------------------------------------------------
def _constraint(ctx, value, *, table):
    rows = (ctx.spark.sql(f"SHOW TBLPROPERTIES {table}")
            .where("key = 'delta.constraints.amount_positive'").collect())
    expect(rows, "orders has no constraint named amount_positive yet")
    return assert_equal(rows[0].value, "amount > 0", "delta.constraints.amount_positive")


# TODO 7: Change Data Feed -------------------------------------------------------------------------
CHANGES = {"update_preimage": 2, "update_postimage": 2, "insert": 1, "delete": 1}


def _changes(ctx, value, *, table, cdf_start):
    dataframe_or_fail(value, "changes", streaming=False)
    expect("_change_type" in value.columns, f"no _change_type column: is it the change feed? ({value.columns})")
    found = {r["_change_type"]: r["count"] for r in value.groupBy("_change_type").count().collect()}
    return assert_equal(found, CHANGES, "rows per _change_type")


# demo checks --------------------------------------------------------------------------------------
def _vacuumed(ctx, value, *, table):
    detail = ctx.spark.sql(f"DESCRIBE DETAIL {table}").first()
    on_disk = len(list(Path(detail.location.removeprefix("file:")).glob("*.parquet")))
    return assert_equal(on_disk, detail.numFiles, "Parquet files on disk")


def _both_writers(ctx, value, *, table):
    row = table_or_fail(ctx, table).where("customer_id = 2").first()
    return assert_equal(row.points if row else None, 15, "points of customer 2")


def _files_v1(ctx, value, *, table):
    return assert_equal(value, _files_v1_expected(ctx, table), "files added by version 1")


def _files_v1_expected(ctx, table) -> int:
    metrics = ctx.spark.sql(f"DESCRIBE HISTORY {table}").where("version = 1").first().operationMetrics
    return int(metrics["numFiles"])


# reference answers: make labs writes each body into the solution notebook's block
def _files_added_v1_answer(spark, log_file):
    files_added_v1 = spark.read.json(str(log_file(1))).where("add IS NOT NULL").count()
    return files_added_v1


def _customers_evolved_answer(new_signups, customers_table):
    new_signups.write.format("delta").mode("append").option("mergeSchema", "true").saveAsTable(customers_table)


def _before_mistake_answer(spark, customers_table, good_version):
    before_mistake = spark.sql(f"SELECT * FROM {customers_table} VERSION AS OF {good_version}")
    return before_mistake


def _at_good_ts_answer(spark, customers_table, good_ts):
    at_good_ts = spark.sql(f"SELECT * FROM {customers_table} TIMESTAMP AS OF '{good_ts}'")
    return at_good_ts


def _restored_answer(spark, customers_table, good_version):
    spark.sql(f"RESTORE TABLE {customers_table} TO VERSION AS OF {good_version}")


_AMOUNT_POSITIVE_ANSWER = SqlAnswer("ALTER TABLE orders ADD CONSTRAINT amount_positive CHECK (amount > 0)")


def _changes_answer(spark, orders_table, cdf_start):
    changes = spark.sql(f"SELECT * FROM table_changes('{orders_table}', {cdf_start})")
    return changes


CHECKS = [
    Check("files_added_v1", "files added by commit version 1", _files_v1, todo=1,
          nudge="a commit file is JSON lines, one action per line; read it with spark.read.json(...) and count "
                "the lines whose `add` action is set.",
          doc=HISTORY_DOC,
          answer=_files_added_v1_answer),
    Check("customers_evolved", "customers gained loyalty_points and the new sign-ups", _evolved, variable=False,
          todo=2, nudge="schema evolution on write: a DataFrame writer option merges new columns into the table's "
                        "schema (look for mergeSchema).",
          doc=SCHEMA_DOC,
          answer=_customers_evolved_answer),
    Check("before_mistake", "before_mistake is the table at good_version", _before_mistake, todo=3,
          nudge="time travel by version: SELECT ... FROM table VERSION AS OF n (or the reader option versionAsOf).",
          doc=HISTORY_DOC,
          answer=_before_mistake_answer),
    Check("at_good_ts", "at_good_ts is the table as of good_ts", _at_good_ts, todo=4,
          nudge="time travel by time: TIMESTAMP AS OF with the timestamp as a quoted string (or the reader option "
                "timestampAsOf).",
          doc=HISTORY_DOC,
          answer=_at_good_ts_answer),
    Check("restored", "customers is back to good_version", _restored, variable=False, todo=5,
          nudge="RESTORE TABLE brings a table back to an earlier version, as a new commit.",
          doc=RESTORE_DOC,
          answer=_restored_answer),
    Check("amount_positive", "orders has the CHECK constraint amount_positive", _constraint, variable=False,
          todo=6, nudge="ALTER TABLE ... ADD CONSTRAINT <name> CHECK (<condition>); the name must be amount_positive.",
          doc=CONSTRAINTS_DOC,
          answer=_AMOUNT_POSITIVE_ANSWER),
    Check("changes", "changes holds the change feed since cdf_start", _changes, todo=7,
          nudge="the change feed in SQL is the table function table_changes(table_name, start_version); the table "
                "name goes in quotes.",
          doc=CDF_DOC,
          answer=_changes_answer),
    Check("vacuum", "VACUUM left only the current version's files", _vacuumed, variable=False,
          nudge="run the VACUUM cell above (it switches the retention check off and back on).", doc=VACUUM_DOC),
    Check("both_writers", "both writers' points landed (10 + 5)", _both_writers, variable=False,
          nudge="run the cells of section 8 in order; with_retry must retry on DELTA_CONCURRENT_* errors.",
          doc=CONCURRENCY_DOC),
]
