"""Checks of lab 06 · Expectations and data quality: a constraint that treats NULL as a failure,
the pipeline's expectations, the quarantine pattern in plain Spark, the data-quality query on
the event log.

Example:
    >>> from lakehouse.course.labs.lab06_expectations_quality import CHECKS
    >>> [c.name for c in CHECKS if c.todo]
    ['valid_amount_sql', 'quarantine', 'dq_report']
"""

from __future__ import annotations

from ..answers import SqlAnswer
from ..grading import Check, NotAnswered, assert_equal, expect
from . import dataframe_or_fail, same_rows, table_or_fail

EXPECTATIONS_DOC = "https://docs.databricks.com/aws/en/ldp/expectations"
PATTERNS_DOC = "https://docs.databricks.com/aws/en/ldp/expectation-patterns"
EVENT_LOG_DOC = "https://docs.databricks.com/aws/en/ldp/monitor-event-logs"
TRY_CAST_DOC = "https://docs.databricks.com/aws/en/sql/language-manual/functions/try_cast"
VALID_AMOUNT = "try_cast(amount AS DECIMAL(12,2)) >= 0"


# TODO 1 ------------------------------------------------------------------------------------------
def _valid_amount(ctx, value, *, tx):
    from ...quality import passes

    expect(isinstance(value, str), f"valid_amount_sql is a {type(value).__name__}, expected a SQL string")
    try:
        differ = tx.where(passes(value) != passes(VALID_AMOUNT)).count()
    except Exception as exc:  # a SQL error in the learner's text
        raise AssertionError(f"the constraint does not run: {str(exc).splitlines()[0][:160]}") from None
    failing = tx.where(~passes(VALID_AMOUNT)).count()
    return expect(differ == 0, f"{differ} rows are judged differently from the rule 'a non-negative number' "
                               f"({failing} rows of this batch should fail it)")


# TODO 2 ------------------------------------------------------------------------------------------
# TODO 3 ------------------------------------------------------------------------------------------
def _dq_reference(ctx, log, update_id):
    from ...quality import expectation_metrics

    return (expectation_metrics(log).where(f"update_id = '{update_id}'")
            .selectExpr("dataset", "expectation", "passed_records AS passing_records",
                        "failed_records AS failing_records"))


def _dq_report(ctx, value, *, log, update_id):
    found = table_or_fail(ctx, "dq_report")  # the temporary view of the %sql cell
    want = {"dataset", "expectation", "passing_records", "failing_records"}
    expect(want <= set(found.columns), f"dq_report has columns {found.columns}, expected {sorted(want)}")
    return same_rows(found.select(*sorted(want)).collect(),
                     _dq_reference(ctx, log, update_id).select(*sorted(want)).collect(),
                     "rows of dq_report (dataset, expectation, failing, passing)")


def _pipeline_tables(ctx, value, *, bronze, silver, quarantine, dropped):
    b, s, q = (table_or_fail(ctx, t).count() for t in (bronze, silver, quarantine))
    expect(b > 0, "bronze_transactions is empty: did the pipeline run?")
    assert_equal(s + q, b, "silver + quarantine rows (each bronze row lands in exactly one)")
    return assert_equal(dropped, q, "rows the expectations dropped from silver, in the event log")


def _quarantine(ctx, value, *, valid_table, quarantine_table, pipeline_quarantine, bronze):
    valid, quarantined = table_or_fail(ctx, valid_table), table_or_fail(ctx, quarantine_table)
    expect("failed_rules" in quarantined.columns,
           f"{quarantine_table.split('.')[-1]} has no failed_rules column: write split(...).quarantined")
    total = ctx.spark.table(bronze).count()
    assert_equal(valid.count() + quarantined.count(), total, "valid + quarantined rows (every bronze row once)")
    return assert_equal(quarantined.count(), ctx.spark.table(pipeline_quarantine).count(),
                        "quarantined rows (the pipeline's transactions_quarantine has the same rules)")


# reference answers: make labs writes each body into the solution notebook's block
def _valid_amount_sql_answer():
    valid_amount_sql = "try_cast(amount AS DECIMAL(12,2)) >= 0"
    return valid_amount_sql


def _quarantine_answer(split, spark, bronze_table, TRANSACTIONS, my_valid, my_quarantine):
    checked = split(spark.table(bronze_table), TRANSACTIONS)
    checked.valid.write.format("delta").mode("overwrite").saveAsTable(my_valid)
    checked.quarantined.write.format("delta").mode("overwrite").saveAsTable(my_quarantine)
    return checked


# the data-quality query of https://docs.databricks.com/aws/en/ldp/monitor-event-logs, as a view
_DQ_REPORT_ANSWER = SqlAnswer("""
    CREATE OR REPLACE TEMP VIEW dq_report AS
    SELECT row_expectations.dataset AS dataset, row_expectations.name AS expectation,
           SUM(row_expectations.passed_records) AS passing_records,
           SUM(row_expectations.failed_records) AS failing_records
    FROM (SELECT explode(from_json(details:flow_progress:data_quality:expectations,
            "array<struct<name: string, dataset: string, passed_records: int, failed_records: int>>"))
            row_expectations
          FROM event_log_raw, latest_update
          WHERE event_type = 'flow_progress' AND origin.update_id = latest_update.id)
    GROUP BY row_expectations.dataset, row_expectations.name""")


CHECKS = [
    Check("valid_amount_sql", "a constraint: amount is a non-negative number (NULL and text fail)", _valid_amount,
          todo=1,
          nudge="amount is text in the CSV: a plain cast fails the query on a bad value (ANSI); the try_ variant "
                "gives NULL, and a constraint that is NULL counts as failed.",
          doc=TRY_CAST_DOC, answer=_valid_amount_sql_answer),
    Check("pipeline_tables", "the pipeline split bronze into silver + quarantine", _pipeline_tables,
          variable=False, nudge="run the pipeline cells of section 2 in order.", doc=PATTERNS_DOC),
    Check("quarantine", "plain Spark: valid and quarantined rows with the same rules", _quarantine, todo=2,
          requires=("pipeline_tables",),
          nudge="lakehouse.quality.split(df, rules) returns .valid and .quarantined; write each to its table with "
                "the Delta writer (mode overwrite).",
          doc=PATTERNS_DOC,
          answer=_quarantine_answer),
    Check("dq_report", "the documented data-quality query over the event log, as the view dq_report",
          _dq_report, todo=3, points=2, variable=False,
          nudge="explode the expectations array of the flow_progress details (a JSON path, then from_json with "
                "an array<struct<...>> schema), keep flow_progress events of the latest update (the view latest_update), group "
                "by dataset and expectation, sum passed_records and failed_records; keep the query as a "
                "temporary view named dq_report.",
          doc=EVENT_LOG_DOC,
          answer=_DQ_REPORT_ANSWER),
]
