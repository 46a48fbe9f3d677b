"""Checks of lab 00 · Welcome and setup: the environment, a first Delta table, its history.

Example:
    >>> from lakehouse.course.labs.lab00_welcome_and_setup import CHECKS
    >>> [(c.name, c.todo) for c in CHECKS]
    [('environment', None), ('customers_table', 1), ('customer_4', 2), ('version_0', 3)]
"""

from __future__ import annotations

from ..grading import Check, assert_equal, expect
from . import dataframe_or_fail, same_rows, table_or_fail

DELTA_TUTORIAL = "https://docs.databricks.com/aws/en/delta/tutorial"
HISTORY_DOC = "https://docs.databricks.com/aws/en/delta/history"


def _environment(ctx, value, *, report):
    problems = [c.name for c in report.checks if not c.ok] if hasattr(report, "checks") else []
    expect(report.ok, "doctor found problems" + (f": {', '.join(problems)}" if problems else ""))


def _customers_table(ctx, value, *, table, customers=None):
    assert_equal(table_or_fail(ctx, table).count(), 3, "row count")


def _customer_4(ctx, value, *, table, new_customer=None):
    assert_equal(table_or_fail(ctx, table).where("customer_id = 4").count(), 1, "rows with customer_id 4")


def _version_0(ctx, value, *, table):
    dataframe_or_fail(value, "first", streaming=False)
    found = value.collect()  # a few rows: one job each, no shuffle
    expect(not any(row[0] == 4 for row in found),
           "first has customer 4, appended in version 1: it reads the latest version")
    return same_rows(found, _read_version_0(ctx, None, table=table).collect(), "rows of first")


def _read_version_0(ctx, value, *, table):
    return ctx.spark.read.option("versionAsOf", 0).table(table)


# reference answers: make labs writes each body into the solution notebook's block
def _customers_table_answer(customers, table):
    customers.write.format("delta").mode("overwrite").saveAsTable(table)


def _customer_4_answer(new_customer, table):
    new_customer.write.format("delta").mode("append").saveAsTable(table)


def _version_0_answer(spark, table):
    first = spark.read.option("versionAsOf", 0).table(table)
    return first


CHECKS = [
    Check("environment", "Java, versions, jars, kernel and disk are ready", _environment, variable=False,
          nudge="run `make doctor` in a terminal and apply the fix printed under each problem.",
          doc="README.md, section Troubleshooting"),
    Check("customers_table", "customers is a Delta table with 3 rows", _customers_table, variable=False, todo=1,
          nudge="a DataFrame is written with df.write, in the format \"delta\", and saved under a table name "
                "(saveAsTable); a save mode decides what happens when the table already exists.",
          doc=DELTA_TUTORIAL,
          answer=_customers_table_answer),
    Check("customer_4", "customer 4 was appended", _customer_4, variable=False, todo=2, requires=("customers_table",),
          nudge="the same write as in TODO 1, with the save mode that adds rows instead of replacing them.",
          doc=DELTA_TUTORIAL,
          answer=_customer_4_answer),
    Check("version_0", "first holds version 0: the 3 rows before the append", _version_0, todo=3,
          requires=("customers_table",),
          nudge="time travel: spark.read takes a reader option that names the version to read (see the version "
                "column of DESCRIBE HISTORY above), then .table(table).",
          doc=HISTORY_DOC,
          answer=_version_0_answer),
]
