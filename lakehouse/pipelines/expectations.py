"""Expectations on a DataFrame: the fail guard, the counts and the drop filter.

Counting rules (https://docs.databricks.com/aws/en/ldp/expectations, "Manage data quality
with pipeline expectations"; the constraint "must evaluate to true or false for each record"
and each expectation of ``expect_all`` "reports granular metrics"):

* a row passes an expectation only when its constraint is TRUE; a constraint that evaluates
  to NULL counts as failed (``coalesce(constraint, false)``), so a NULL never slips through
  an ``expect_or_drop``;
* each expectation counts every row it sees: ``passed_records + failed_records`` = rows in;
  a row that fails several expectations is counted as failed by each of them;
* ``dropped_records`` counts each dropped row once, however many drop expectations it fails;
* ``num_output_rows`` = rows in - dropped rows;
* ``expect_or_fail``: the first violating row stops the flow (nothing of this flow is
  committed) with the expectation, the dataset and the row as JSON.

Example:
    >>> from lakehouse.quality import Rule
    >>> metric_names([Rule("a", "x > 0", "warn"), Rule("b", "y > 0", "drop")])
    ['__rows', '__failed_0', '__failed_1', '__dropped']
"""

from __future__ import annotations

import re

from ..runtime.names import quote

FAIL_TAG = "LHX_EXPECT"
_FAIL_RE = re.compile(r"\[USER_RAISED_EXCEPTION\] " + FAIL_TAG + r"\|([^|]*)\|([^|]*)\|(.*?)(?: SQLSTATE:|\n|$)")


def metric_names(expectations) -> list[str]:
    """The names of the observed metrics, in order."""
    return ["__rows", *[f"__failed_{i}" for i in range(len(expectations))], "__dropped"]


def metric_columns(expectations):
    """Aggregate Columns: rows in, failed rows per expectation, dropped rows."""
    from pyspark.sql import functions as F

    drops = [e.passes() for e in expectations if e.action == "drop"]
    all_drop_pass = _all(drops)
    cols = [F.count(F.lit(1)).alias("__rows")]
    cols += [F.sum(F.when(e.passes(), 0).otherwise(1)).alias(f"__failed_{i}") for i, e in enumerate(expectations)]
    cols.append(F.sum(F.when(all_drop_pass, 0).otherwise(1)).alias("__dropped"))
    return cols


def _all(conditions):
    from pyspark.sql import functions as F

    result = F.lit(True)
    for c in conditions:
        result = result & c
    return result


def fail_guard(df, dataset: str, expectations):
    """``df`` with a filter that raises at the first row violating an ``expect_or_fail``."""
    from pyspark.sql import functions as F

    fails = [e for e in expectations if e.action == "fail"]
    if not fails:
        return df
    row = F.to_json(F.struct(*[F.col(quote(c)) for c in df.columns]), {"ignoreNullFields": "false"})
    check = F.lit(True)
    for e in reversed(fails):
        message = F.concat(F.lit(f"{FAIL_TAG}|{e.name}|{dataset}|"), row)
        check = F.when(~e.passes(), F.raise_error(message).cast("boolean")).otherwise(check)
    return df.where(check)


def drop_filter(df, expectations):
    """``df`` without the rows that violate an ``expect_or_drop``."""
    drops = [e.passes() for e in expectations if e.action == "drop"]
    return df.where(_all(drops)) if drops else df


def failure_of(exc: BaseException):
    """``(expectation, dataset, row_json)`` when ``exc`` comes from :func:`fail_guard`, else None.

    Example:
        >>> failure_of(RuntimeError("x [USER_RAISED_EXCEPTION] LHX_EXPECT|positive|orders|{\\"id\\":1} SQLSTATE: P0001"))
        ('positive', 'orders', '{"id":1}')
    """
    match = _FAIL_RE.search(str(exc))
    return match.groups() if match else None


def quality_report(expectations, dataset: str, metrics: dict) -> dict:
    """The ``data_quality`` object of a ``flow_progress`` event from the observed metrics."""
    rows = int(metrics.get("__rows") or 0)
    report = {"dropped_records": int(metrics.get("__dropped") or 0), "expectations": []}
    for i, e in enumerate(expectations):
        failed = int(metrics.get(f"__failed_{i}") or 0)
        report["expectations"].append({"name": e.name, "dataset": dataset, "passed_records": rows - failed,
                                       "failed_records": failed})
    return report
