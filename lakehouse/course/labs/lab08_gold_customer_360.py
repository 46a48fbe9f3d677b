"""Checks of lab 08 · Gold Customer 360: daily revenue (aggregate, then windows), RFM quintiles,
the current customers, point-in-time features, the Customer 360 table and the churn baseline.

Expected values come from the reference implementation (:mod:`lakehouse.c360.gold`) run on the
lab's Silver tables, never from the learner's code.

Example:
    >>> from lakehouse.course.labs.lab08_gold_customer_360 import CHECKS
    >>> [c.name for c in CHECKS if c.todo]
    ['daily', 'rolling', 'rfm', 'current', 'features_at']
"""

from __future__ import annotations

import json
from pathlib import Path

from ...c360 import bronze, gold, silver
from ..grading import Check, NotAnswered, assert_equal, expect
from . import dataframe_or_fail, same_rows, table_or_fail

GROUP_BY_DOC = "https://docs.databricks.com/aws/en/sql/language-manual/sql-ref-syntax-qry-select-groupby"
WINDOW_DOC = gold.WINDOW_DOC
CUME_DIST_DOC = gold.CUME_DIST_DOC
SCD2_DOC = "https://docs.databricks.com/aws/en/ldp/cdc"
POINT_IN_TIME_DOC = gold.POINT_IN_TIME_DOC
KEYS = ["date", "region", "channel"]


def start_from_silver(ctx, *, scale: float) -> dict:
    """Land every batch, run the reference Bronze, build the reference Silver in the lab's schema.

    Silver is rebuilt only when Bronze took in new rows or a Silver table is missing (a re-run
    of the lab costs a few seconds). Returns the Silver tables as DataFrames by name.
    """
    ctx.arrive("all", scale=scale)
    rows = bronze.ingest_all(ctx.spark, ctx.landing, schema=ctx.full_schema, checkpoints=ctx.path("checkpoints"),
                             schemas=ctx.path("schemas"), query_prefix=f"lab{ctx.number}_")
    marker = Path(ctx.path("output", "silver_built_from.json"))
    tables = {name: ctx.table(t) for name, t in silver.TABLES.items()}
    fresh = (marker.is_file() and json.loads(marker.read_text()) == rows
             and all(ctx.spark.catalog.tableExists(t) for t in tables.values()))
    if not fresh:
        print("Building the reference Silver tables from Bronze ...", flush=True)
        silver.build(ctx.spark, ctx.full_schema)
        marker.write_text(json.dumps(rows))
    return {name: ctx.spark.table(t) for name, t in tables.items()}


# TODO 1 -----------------------------------------------------------------------------------------
# TODO 2 -----------------------------------------------------------------------------------------
def _rolling(ctx, value, *, tx, daily=None):
    dataframe_or_fail(value, "rolling", streaming=False)
    cols = [*KEYS, "revenue_7d", "revenue_30d"]
    expect(set(cols) <= set(value.columns), f"rolling lacks {sorted(set(cols) - set(value.columns))}")
    return same_rows(value.select(*cols), gold.revenue_daily(tx).select(*cols), "revenue_7d / revenue_30d")


# TODO 3 -----------------------------------------------------------------------------------------
def _rfm(ctx, value, *, tx, customers, purchases=None):
    from pyspark.sql import functions as F

    dataframe_or_fail(value, "rfm", streaming=False)
    cols = ["customer_id", "r_score", "f_score", "m_score"]
    expect(set(cols) <= set(value.columns), f"rfm lacks {sorted(set(cols) - set(value.columns))}")
    ref = gold.customer_segments(tx, customers).where("frequency IS NOT NULL").select(*cols)
    return same_rows(value.select("customer_id", *[F.col(c).cast("int") for c in cols[1:]]), ref, "RFM scores")


# TODO 4 -----------------------------------------------------------------------------------------
def _current(ctx, value, *, customers):
    dataframe_or_fail(value, "current", streaming=False)
    want = customers.where("__END_AT IS NULL")
    expect(value.count() == value.select("customer_id").distinct().count(), "a customer appears twice in current")
    return same_rows(value.select("customer_id", "__START_AT"), want.select("customer_id", "__START_AT"), "current rows")


# TODO 5 -----------------------------------------------------------------------------------------
def features_at_reference(transactions, snapshot_date):
    """Reference: ``orders_30d``, ``spend_90d``, ``recency_days`` per customer from purchases before the snapshot."""
    from pyspark.sql import functions as F

    s = F.lit(snapshot_date).cast("timestamp")
    ts = F.col("transaction_ts")
    return (transactions.where(ts < s).groupBy("customer_id")
            .agg(F.count_if(ts >= s - F.expr("INTERVAL 30 DAYS")).alias("orders_30d"),
                 F.sum(F.when(ts >= s - F.expr("INTERVAL 90 DAYS"), F.col("amount_usd"))).alias("spend_90d"),
                 F.datediff(F.lit(snapshot_date), F.to_date(F.max(ts))).alias("recency_days")))


def _comparable(df):
    from pyspark.sql import functions as F

    return df.select("customer_id", F.col("orders_30d").cast("long"),
                     F.round(F.coalesce(F.col("spend_90d").cast("double"), F.lit(0.0)), 2).alias("spend_90d"),
                     F.col("recency_days").cast("int"))


def _features_at(ctx, value, *, tx, snapshot):
    from pyspark.sql import functions as F

    expect(callable(value), f"features_at is a {type(value).__name__}, expected a function")
    mine = value(tx, snapshot)
    if mine is None:
        raise NotAnswered("features_at returns None: return the DataFrame of features")
    dataframe_or_fail(mine, "features_at(...)", streaming=False)
    same_rows(_comparable(mine), _comparable(features_at_reference(tx, snapshot)), "features at the snapshot")
    s = F.lit(snapshot).cast("timestamp")
    later = F.col("transaction_ts") >= s
    changed = (tx.where(~later | (F.crc32("transaction_id") % 2 == 0))   # half the later rows gone,
               .withColumn("amount_usd", F.when(later, F.col("amount_usd") * 10).otherwise(F.col("amount_usd"))))
    return same_rows(_comparable(value(changed, snapshot)), _comparable(mine),
                 "features after changing purchases on/after the snapshot (they must not move)")


# state checks -----------------------------------------------------------------------------------
def _baseline(ctx, value, *, result):
    return expect(result.auc > 0.6, f"AUC {result.auc:.3f} on the held-out snapshot; a constant predictor has 0.5")


def _customer_360(ctx, value, *, customers):
    df = table_or_fail(ctx, ctx.table("gold_customer_360"))
    current = customers.where("__END_AT IS NULL").count()
    return assert_equal({"rows": df.count(), "customers": df.select("customer_id").distinct().count()},
                        {"rows": current, "customers": current}, "gold_customer_360 (one row per current customer)")

def _daily(ctx, value, *, tx):
    dataframe_or_fail(value, "daily", streaming=False)
    need = {*KEYS, "revenue", "orders", "customers"}
    expect(need <= set(value.columns), f"daily lacks {sorted(need - set(value.columns))}")
    return same_rows(value.select(*KEYS, "revenue", "orders", "customers"), _daily_reference(tx), "daily")


def _daily_reference(tx):
    return gold.revenue_daily(tx).select(*KEYS, "revenue", "orders", "customers")


# reference answers: make labs writes each body into the solution notebook's block
def _daily_answer(tx, F):
    daily = (tx.groupBy(F.to_date("transaction_ts").alias("date"), "region", "channel")
             .agg(F.sum("amount_usd").alias("revenue"), F.count("*").alias("orders"),
                  F.countDistinct("customer_id").alias("customers")))
    return daily


def _rolling_answer(Window, F, daily):
    series = Window.partitionBy("region", "channel").orderBy(F.unix_date("date"))
    rolling = (daily
               .withColumn("revenue_7d", F.sum("revenue").over(series.rangeBetween(-6, 0)))
               .withColumn("revenue_30d", F.sum("revenue").over(series.rangeBetween(-29, 0))))
    return rolling


def _rfm_answer(F, Window, purchases):
    def quintile(order):
        return F.ceil(F.cume_dist().over(Window.orderBy(order)) * 5).cast("int")


    rfm = (purchases
           .withColumn("r_score", quintile(F.desc("recency_days")))
           .withColumn("f_score", quintile(F.asc("frequency")))
           .withColumn("m_score", quintile(F.asc("monetary"))))
    return rfm


def _current_answer(customers):
    current = customers.where("__END_AT IS NULL")
    return current


def _features_at_answer(F):
    def features_at(transactions, snapshot_date):
        s = F.lit(snapshot_date).cast("timestamp")
        ts = F.col("transaction_ts")
        return (transactions.where(ts < s).groupBy("customer_id")
                .agg(F.count_if(ts >= s - F.expr("INTERVAL 30 DAYS")).alias("orders_30d"),
                     F.sum(F.when(ts >= s - F.expr("INTERVAL 90 DAYS"), F.col("amount_usd"))).alias("spend_90d"),
                     F.datediff(F.lit(snapshot_date), F.to_date(F.max(ts))).alias("recency_days")))
    return features_at


CHECKS = [
    Check("daily", "revenue, orders and customers per day, region and channel", _daily, todo=1,
          nudge="group by the day of transaction_ts (F.to_date), region and channel; sum amount_usd (USD, "
                "exact decimals), count the rows, count the distinct customer_id.",
          doc=GROUP_BY_DOC,
          answer=_daily_answer),
    Check("rolling", "7- and 30-day rolling revenue per region and channel", _rolling, todo=2,
          requires=("daily",),
          nudge="a window per (region, channel) ordered by the day number (F.unix_date), with a RANGE frame of "
                "days (rangeBetween), not a ROWS frame: a day without sales has no row.",
          doc=WINDOW_DOC,
          answer=_rolling_answer),
    Check("rfm", "R, F and M quintile scores (5 = best), ties sharing a score", _rfm, todo=3, points=2,
          nudge="cume_dist() over a window ordered by the measure gives each customer's position in (0, 1]; "
                "5 times it, rounded up (F.ceil), is the quintile. Order recency descending: recent is best.",
          doc=CUME_DIST_DOC,
          answer=_rfm_answer),
    Check("current", "the current version of each customer", _current, todo=4,
          nudge="in an SCD2 table the current version is the one whose end is still open: __END_AT.",
          doc=SCD2_DOC,
          answer=_current_answer),
    Check("gold_customer_360", "gold_customer_360 has one row per current customer", _customer_360, variable=False,
          nudge="run the cells of section 3 in order: the profile comes from the current rows only."),
    Check("features_at", "point-in-time features that ignore everything from the snapshot on", _features_at,
          todo=5, points=2,
          nudge="keep only purchases strictly before the snapshot (transaction_ts < the snapshot as a timestamp), "
                "then count/sum with F.count_if / F.when over the last 30 or 90 days before it; recency is "
                "F.datediff from the last purchase's date.",
          doc=POINT_IN_TIME_DOC,
          answer=_features_at_answer),
    Check("baseline", "the churn baseline beats a constant predictor on a later snapshot (AUC > 0.6)", _baseline,
          variable=False, nudge="run section 4 in order: the features of churn_features, split by snapshot date."),
]
