"""The Gold layer of the Customer 360: what the business sees, built from the reference Silver.

Five tables, each one function of Silver DataFrames (so a declarative pipeline's materialized
view can call it on its inputs) and written by :func:`build`:

* ``revenue_daily`` — revenue (USD), orders and distinct customers by day, region and channel,
  with 7- and 30-day rolling sums and the change of the trailing 30 days over the 30 before;
* ``customer_segments`` — RFM scores (quintiles 1-5) and a named segment per current customer;
* ``customer_360`` — one row per current customer: profile, value, recency, channel mix, web
  activity, support tickets, RFM and a churn-risk flag;
* ``churn_features`` — ML-ready rows keyed by ``(customer_id, snapshot_date)``: features from
  data *before* the snapshot only, ``label`` = no purchase in the ``horizon_days`` after it;
* ``cohort_retention`` — share of each first-purchase month's customers buying again k months later.

Reporting date: "today" for Gold is ``as_of``, the last day with a transaction in Silver (never
the wall clock, so a rebuild gives the same numbers). "Last 30 days" means the 30 days ending
on ``as_of``, inclusive.

On Databricks these are materialized views of a pipeline (results recomputed, or refreshed
incrementally, from their source query); locally :func:`build` writes Delta tables by a full
overwrite, which is what a materialized view's full refresh does.
https://docs.databricks.com/aws/en/ldp/concepts/materialized-views

Example:
    >>> from lakehouse.c360 import gold
    >>> gold.table_names(layer_prefix=False)["customer_360"], gold.table_names(layer_prefix=True)["customer_360"]
    ('customer_360', 'gold_customer_360')
"""

from __future__ import annotations

import datetime as dt

from ..errors import LakehouseError
from . import silver

WINDOW_DOC = "https://docs.databricks.com/aws/en/sql/language-manual/sql-ref-window-functions"
CUME_DIST_DOC = "https://docs.databricks.com/aws/en/sql/language-manual/functions/cume_dist"
POINT_IN_TIME_DOC = "https://docs.databricks.com/aws/en/machine-learning/feature-store/time-series"

TABLES = ("revenue_daily", "customer_segments", "customer_360", "churn_features", "cohort_retention")
CHANNELS = ("store", "web", "app")
TIERS = ("bronze", "silver", "gold", "platinum")
HORIZON_DAYS = 30          # churn label: no purchase in the 30 days after the snapshot
LOOKBACK_DAYS = 90         # a customer is scored at a snapshot when they bought in the 90 days before it
SNAPSHOT_EVERY_DAYS = 30
FIRST_SNAPSHOT_AFTER_DAYS = 60  # history before the first snapshot
OVERDUE_FLAG = 3.0         # churn risk: no purchase for 3 of the customer's usual gaps between orders
DEFAULT_GAP_DAYS = 30.0    # the "usual gap" of a customer with one order

SEGMENTS = (
    ("Champions", "r_score >= 4 AND f_score >= 4", "bought recently and often"),
    ("Loyal", "r_score >= 3 AND f_score >= 3", "buy often, fairly recently"),
    ("Cannot Lose Them", "r_score <= 2 AND f_score >= 4 AND m_score >= 4",
     "used to buy often and spend most, not lately"),
    ("At Risk", "r_score <= 2 AND f_score >= 3", "used to buy often, not lately"),
    ("Promising", "r_score >= 4", "recent, but few orders yet"),
    ("Need Attention", "r_score = 3", "middling recency, few orders"),
    ("Hibernating", "r_score <= 2", "few orders, long ago"),
)
"""Named RFM segments: ``(name, condition, meaning)``, the first condition that holds wins.

``r_score``, ``f_score``, ``m_score`` are quintiles 1-5 (5 = most recent / most orders / most
spend). Together the rules cover every (R, F) pair; a current customer without a purchase up to
``as_of`` gets ``"No Purchases"`` (and NULL scores).
"""
NO_PURCHASES = "No Purchases"

FEATURES = ("recency_days", "tenure_days", "signup_tier", "orders_30d", "orders_prev_30d", "orders_90d",
            "orders_lifetime", "spend_30d", "spend_90d", "spend_lifetime", "avg_order_value_90d",
            "sessions_30d", "events_30d", "tickets_90d", "negative_tickets_90d", "avg_sentiment_90d")
"""The model inputs of ``churn_features`` (all numeric, never NULL)."""


class GoldError(LakehouseError):
    """A Gold input is missing or an argument is out of range."""

    code = "GOLD_ERROR"


def table_names(*, layer_prefix: bool = False) -> dict[str, str]:
    """Gold table names: ``customer_360`` (the ``c360_gold`` schema) or ``gold_customer_360`` (a lab's schema)."""
    return {name: f"gold_{name}" if layer_prefix else name for name in TABLES}


def silver_names(*, layer_prefix: bool = False) -> dict[str, str]:
    """Silver table names: ``customers`` (``c360_silver``) or ``silver_customers`` (a lab's schema)."""
    return {name: table if layer_prefix else name for name, table in silver.TABLES.items()}


# -- helpers ------------------------------------------------------------------------------------
def _date(value, what: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise GoldError(f"{what} must be a date (datetime.date or 'YYYY-MM-DD'), got {value!r}.",
                    fix=f"e.g. {what}='2024-06-28'.")


def _positive_days(value, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise GoldError(f"{what} must be a whole number of days >= 1, got {value!r}.", fix=f"e.g. {what}=30.")
    return value


def as_of_date(transactions) -> dt.date:
    """The reporting date: the last day with a transaction (UTC).

    Example:
        >>> as_of_date(spark.table("c360_silver.transactions"))   # doctest: +SKIP
        datetime.date(2024, 6, 28)

    Raises:
        GoldError: there is no transaction at all.
    """
    from pyspark.sql import functions as F

    last = transactions.select(F.max(F.to_date("transaction_ts"))).first()[0]
    if last is None:
        raise GoldError("Silver has no transactions, so Gold has no reporting date.",
                        fix="build Silver first (lakehouse.c360.silver.build) from landed data.")
    return last


def _current(customers):
    """The current rows of the SCD2 customers (``__END_AT IS NULL``)."""
    return customers.where("__END_AT IS NULL")


# -- revenue_daily --------------------------------------------------------------------------------
def revenue_daily(transactions):
    """Revenue (USD), orders and customers by day, region and channel, with rolling sums.

    Rolling sums are window functions over a *range* of days per (region, channel), so a day
    without sales is a gap in the range, not a missing row that shifts the window:
    ``revenue_7d`` / ``revenue_30d`` sum the 7 / 30 days ending on ``date``;
    ``revenue_prev_30d`` the 30 days before those; ``mom_change`` =
    ``revenue_30d / revenue_prev_30d - 1`` (NULL without a previous period).
    Window functions: https://docs.databricks.com/aws/en/sql/language-manual/sql-ref-window-functions

    Args:
        transactions: Silver transactions (``transaction_ts``, ``region``, ``channel``,
            ``amount_usd``, ``customer_id``).

    Returns:
        ``date, region, channel, revenue, orders, customers, revenue_7d, revenue_30d,
        revenue_prev_30d, mom_change`` — revenue DECIMAL, exact to the cent.

    Example:
        >>> daily = revenue_daily(spark.table("c360_silver.transactions"))   # doctest: +SKIP
    """
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    daily = (transactions.groupBy(F.to_date("transaction_ts").alias("date"), "region", "channel")
             .agg(F.sum("amount_usd").alias("revenue"), F.count("*").alias("orders"),
                  F.countDistinct("customer_id").alias("customers")))
    series = Window.partitionBy("region", "channel").orderBy(F.unix_date("date"))
    prev = F.sum("revenue").over(series.rangeBetween(-59, -30))
    return (daily
            .withColumn("revenue_7d", F.sum("revenue").over(series.rangeBetween(-6, 0)))
            .withColumn("revenue_30d", F.sum("revenue").over(series.rangeBetween(-29, 0)))
            .withColumn("revenue_prev_30d", prev)
            .withColumn("mom_change", F.when(F.col("revenue_prev_30d") > 0,
                                             (F.col("revenue_30d") / F.col("revenue_prev_30d") - 1).cast("double"))))


# -- customer_segments ----------------------------------------------------------------------------
def _purchases(transactions, as_of: dt.date):
    """Per customer: orders, spend, first/last purchase and recency, up to ``as_of`` inclusive."""
    from pyspark.sql import functions as F

    upto = transactions.where(F.to_date("transaction_ts") <= F.lit(as_of))
    return (upto.groupBy("customer_id")
            .agg(F.count("*").alias("frequency"), F.sum("amount_usd").alias("monetary"),
                 F.min("transaction_ts").alias("first_purchase_ts"), F.max("transaction_ts").alias("last_purchase_ts"))
            .withColumn("recency_days", F.datediff(F.lit(as_of), F.to_date("last_purchase_ts"))))


def segment_of():
    """The named-segment Column of :data:`SEGMENTS` over ``r_score``, ``f_score``, ``m_score``."""
    from pyspark.sql import functions as F

    rule = F.when(F.col("r_score").isNull(), NO_PURCHASES)
    for name, condition, _ in SEGMENTS:
        rule = rule.when(F.expr(condition), name)
    return rule


def customer_segments(transactions, customers, *, as_of=None):
    """RFM per current customer: quintile scores, the combined score and a named segment.

    * **R**ecency — days from the last purchase to ``as_of``; **F**requency — orders;
      **M**onetary — spend in USD; all up to ``as_of`` inclusive.
    * A score is the quintile of the customer among customers with a purchase:
      ``ceil(5 * cume_dist())`` ordered so that 5 is best (most recent, most orders, most spend).
      Ties share a score (``cume_dist`` gives equal values the same position), unlike ``ntile``,
      which would split equal customers across quintiles.
      https://docs.databricks.com/aws/en/sql/language-manual/functions/cume_dist
    * ``rfm_score`` = R + F + M (3-15); ``rfm_cell`` = ``"545"``-style R, F, M digits.
    * ``segment`` — the first rule of :data:`SEGMENTS` that holds:

      - Champions: R >= 4 and F >= 4 (bought recently and often)
      - Loyal: R >= 3 and F >= 3
      - Cannot Lose Them: R <= 2, F >= 4 and M >= 4 (were among the best, gone quiet)
      - At Risk: R <= 2 and F >= 3
      - Promising: R >= 4 (recent, few orders yet)
      - Need Attention: R = 3 (few orders)
      - Hibernating: R <= 2 (few orders, long ago)
      - No Purchases: no purchase up to ``as_of`` (scores NULL)

    Args:
        transactions: Silver transactions.
        customers: the Silver SCD2 customers (current rows: ``__END_AT IS NULL``).
        as_of: reporting date (default: :func:`as_of_date`).

    Returns:
        ``customer_id, recency_days, frequency, monetary, r_score, f_score, m_score, rfm_score,
        rfm_cell, segment`` — one row per current customer.

    Example:
        >>> seg = customer_segments(tx, customers, as_of="2024-06-28")   # doctest: +SKIP
    """
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    as_of = as_of_date(transactions) if as_of is None else _date(as_of, "as_of")

    def quintile(order):
        return F.when(F.col("frequency").isNotNull(),
                      F.ceil(F.cume_dist().over(Window.partitionBy(F.col("frequency").isNull()).orderBy(order)) * 5)
                      .cast("int"))

    scored = (_current(customers).select("customer_id").join(_purchases(transactions, as_of), "customer_id", "left")
              .withColumn("r_score", quintile(F.col("recency_days").desc()))
              .withColumn("f_score", quintile(F.col("frequency").asc()))
              .withColumn("m_score", quintile(F.col("monetary").asc())))
    return (scored
            .withColumn("rfm_score", F.col("r_score") + F.col("f_score") + F.col("m_score"))
            .withColumn("rfm_cell", F.concat(F.col("r_score").cast("string"), F.col("f_score").cast("string"),
                                             F.col("m_score").cast("string")))
            .withColumn("segment", segment_of())
            .select("customer_id", "recency_days", "frequency", "monetary", "r_score", "f_score", "m_score",
                    "rfm_score", "rfm_cell", "segment"))


# -- customer_360 ---------------------------------------------------------------------------------
def customer_360(customers, transactions, clickstream, tickets, segments, *, as_of=None):
    """One row per current customer: profile, value, recency, channel mix, web, support, RFM, churn risk.

    * profile — the current row of the SCD2 dimension (``__END_AT IS NULL``): name, e-mail,
      phone, city/state/country, sign-up date, loyalty tier, marketing consent;
    * value — ``lifetime_value`` (USD), ``orders``, ``avg_order_value``, ``first_purchase_ts``,
      ``last_purchase_ts``, ``recency_days``, ``spend_30d``, ``spend_90d`` (windows end on ``as_of``);
    * channel mix — ``store_share``, ``web_share``, ``app_share`` of the orders;
    * web — ``sessions_30d`` and ``pages_30d`` (events) of the last 30 days, bots left out,
      anonymous visits resolved to the customer (Silver's ``resolved_customer_id``);
    * support — ``open_tickets`` (open or pending), ``closed_tickets``, ``avg_sentiment``;
    * RFM — ``r_score``, ``f_score``, ``m_score``, ``rfm_score``, ``segment`` from ``segments``;
    * churn risk — ``days_between_orders`` (the customer's usual gap), ``churn_risk_score`` =
      ``recency_days / usual gap`` (a customer with one order: a 30-day gap), and
      ``churn_risk`` = the score is at least :data:`OVERDUE_FLAG` (three usual gaps without
      a purchase).

    A customer without purchases has 0 orders and value, NULL recency and score, ``churn_risk`` false.

    Args:
        customers, transactions, clickstream, tickets: Silver DataFrames.
        segments: :func:`customer_segments` output (or its table).
        as_of: reporting date (default: :func:`as_of_date`).

    Returns:
        The ``customer_360`` DataFrame (one row per current customer).

    Example:
        >>> c360 = customer_360(customers, tx, clicks, tickets, segments)   # doctest: +SKIP
        >>> c360.count() == customers.where("__END_AT IS NULL").count()    # doctest: +SKIP
        True
    """
    from pyspark.sql import functions as F

    as_of = as_of_date(transactions) if as_of is None else _date(as_of, "as_of")
    day = F.to_date("transaction_ts")
    upto = transactions.where(day <= F.lit(as_of))
    last_n = lambda n: day > F.date_sub(F.lit(as_of), n)  # noqa: E731 - the n days ending on as_of
    value = upto.groupBy("customer_id").agg(
        F.sum("amount_usd").alias("lifetime_value"), F.count("*").alias("orders"),
        F.min("transaction_ts").alias("first_purchase_ts"), F.max("transaction_ts").alias("last_purchase_ts"),
        F.sum(F.when(last_n(30), F.col("amount_usd"))).alias("spend_30d"),
        F.sum(F.when(last_n(90), F.col("amount_usd"))).alias("spend_90d"),
        *[(F.count_if(F.col("channel") == c) / F.count("*")).alias(f"{c}_share") for c in CHANNELS])
    ev_day = F.to_date("event_ts")
    web = (clickstream.where(~F.col("is_bot") & F.col("resolved_customer_id").isNotNull()
                             & (ev_day <= F.lit(as_of)) & (ev_day > F.date_sub(F.lit(as_of), 30)))
           .groupBy(F.col("resolved_customer_id").alias("customer_id"))
           .agg(F.countDistinct("session_id").alias("sessions_30d"), F.count("*").alias("pages_30d")))
    support = tickets.groupBy("customer_id").agg(
        F.count_if(F.col("status") != "closed").alias("open_tickets"),
        F.count_if(F.col("status") == "closed").alias("closed_tickets"),
        F.avg("sentiment").alias("avg_sentiment"))
    profile = _current(customers).select(
        "customer_id", "first_name", "last_name", "email", "phone", F.col("address.city").alias("city"),
        F.col("address.state").alias("state"), F.col("address.country").alias("country"), "signup_date",
        "loyalty_tier", "marketing_consent")
    gap = (F.datediff(F.to_date("last_purchase_ts"), F.to_date("first_purchase_ts")) / (F.col("orders") - 1))
    out = (profile.join(value, "customer_id", "left").join(web, "customer_id", "left")
           .join(support, "customer_id", "left")
           .join(segments.select("customer_id", "r_score", "f_score", "m_score", "rfm_score", "segment"),
                 "customer_id", "left")
           .fillna(0, subset=["orders", "sessions_30d", "pages_30d", "open_tickets", "closed_tickets"])
           .withColumn("lifetime_value", F.coalesce("lifetime_value", F.lit(0).cast("decimal(24,2)")))
           .withColumn("spend_30d", F.coalesce("spend_30d", F.lit(0).cast("decimal(24,2)")))
           .withColumn("spend_90d", F.coalesce("spend_90d", F.lit(0).cast("decimal(24,2)")))
           .withColumn("avg_order_value", F.when(F.col("orders") > 0, F.round(F.col("lifetime_value") / F.col("orders"), 2)))
           .withColumn("recency_days", F.datediff(F.lit(as_of), F.to_date("last_purchase_ts")))
           .withColumn("days_between_orders", F.when(F.col("orders") > 1, gap.cast("double")))
           .withColumn("churn_risk_score", F.round(F.col("recency_days") / F.greatest(
               F.coalesce("days_between_orders", F.lit(DEFAULT_GAP_DAYS)), F.lit(1.0)), 2))
           .withColumn("churn_risk", F.coalesce(F.col("churn_risk_score") >= OVERDUE_FLAG, F.lit(False))))
    return out.select(
        "customer_id", "first_name", "last_name", "email", "phone", "city", "state", "country", "signup_date",
        "loyalty_tier", "marketing_consent", "lifetime_value", "orders", "avg_order_value", "first_purchase_ts",
        "last_purchase_ts", "recency_days", "spend_30d", "spend_90d", *[f"{c}_share" for c in CHANNELS],
        "sessions_30d", "pages_30d", "open_tickets", "closed_tickets", "avg_sentiment", "r_score", "f_score",
        "m_score", "rfm_score", "segment", "days_between_orders", "churn_risk_score", "churn_risk")


# -- churn_features -------------------------------------------------------------------------------
def default_snapshots(transactions, *, horizon_days: int = HORIZON_DAYS, every_days: int = SNAPSHOT_EVERY_DAYS,
                      first_after_days: int = FIRST_SNAPSHOT_AFTER_DAYS) -> list[dt.date]:
    """Snapshot dates: every ``every_days`` from ``first_after_days`` after the first transaction,
    as long as the whole label horizon after the snapshot is in the data.

    Raises:
        GoldError: the data is too short for one snapshot.

    Example:
        >>> default_snapshots(tx)             # doctest: +SKIP
        [datetime.date(2024, 2, 27), datetime.date(2024, 3, 28), datetime.date(2024, 4, 27), datetime.date(2024, 5, 27)]
    """
    from pyspark.sql import functions as F

    first, last = transactions.select(F.min(F.to_date("transaction_ts")), F.max(F.to_date("transaction_ts"))).first()
    if first is None:
        raise GoldError("Silver has no transactions: no churn snapshot can be taken.",
                        fix="build Silver first (lakehouse.c360.silver.build) from landed data.")
    out, s = [], first + dt.timedelta(days=first_after_days)
    while s + dt.timedelta(days=horizon_days) <= last + dt.timedelta(days=1):
        out.append(s)
        s += dt.timedelta(days=every_days)
    if not out:
        raise GoldError(f"The transactions span {first} .. {last}: too short for a snapshot with "
                        f"{first_after_days} days of history and a {horizon_days}-day label horizon.",
                        fix="land more batches, or pass snapshots=[...] and a shorter horizon_days.")
    return out


def churn_features(transactions, customers, clickstream, tickets, *, snapshots=None,
                   horizon_days: int = HORIZON_DAYS, lookback_days: int = LOOKBACK_DAYS):
    """Churn training rows, point-in-time correct: one per (customer, snapshot date).

    For a snapshot date ``s`` (taken at 00:00 UTC):

    * **population** — customers with a purchase in the ``lookback_days`` before ``s``;
    * **features** (:data:`FEATURES`) — only records whose event time is before ``s``:
      transactions (``transaction_ts < s``), logged-in click events (``event_ts < s``; the
      ``customer_id`` of the event, not Silver's ``resolved_customer_id``, which may use a
      login after ``s``), tickets opened before ``s`` (count and text sentiment, never their
      later status or CSAT), and from the CRM only what was known at sign-up: ``tenure_days``
      and ``signup_tier`` (0 bronze .. 3 platinum; the SCD2 versions are sequenced by
      ``sequence_num``, not by time, so the tier *at* ``s`` is not recoverable exactly);
    * **label** — 1 when the customer makes no purchase in ``[s, s + horizon_days)``, else 0.

    So changing anything that happened on or after ``s`` changes no feature of snapshot ``s``
    (the tests prove it by perturbing such rows). One exception by design: a record erased
    later (a deleted ticket, GDPR) is gone from Silver and so from a recomputation — which is
    why the features are *materialized* per snapshot.
    https://docs.databricks.com/aws/en/machine-learning/feature-store/time-series

    Args:
        transactions, customers, clickstream, tickets: Silver DataFrames.
        snapshots: dates (``datetime.date`` or ``'YYYY-MM-DD'``); default :func:`default_snapshots`.
        horizon_days: label horizon.
        lookback_days: population window before the snapshot.

    Returns:
        ``customer_id, snapshot_date, label`` and the :data:`FEATURES` columns.

    Raises:
        GoldError: a bad snapshot date or day count.

    Example:
        >>> rows = churn_features(tx, customers, clicks, tickets, snapshots=["2024-05-27"])   # doctest: +SKIP
        >>> rows.groupBy("label").count().show()                                            # doctest: +SKIP
    """
    from pyspark.sql import functions as F

    horizon_days = _positive_days(horizon_days, "horizon_days")
    lookback_days = _positive_days(lookback_days, "lookback_days")
    if snapshots is None:
        snapshots = default_snapshots(transactions, horizon_days=horizon_days)
    if isinstance(snapshots, (str, dt.date)) or not snapshots:
        raise GoldError(f"snapshots must be a non-empty list of dates, got {snapshots!r}.",
                        fix="e.g. snapshots=['2024-04-30', '2024-05-30'].")
    dates = sorted({_date(s, "snapshot date") for s in snapshots})
    spark = transactions.sparkSession
    snaps = (spark.createDataFrame([(d,) for d in dates], "snapshot_date date")
             .withColumn("_s", F.col("snapshot_date").cast("timestamp")))
    days_before = lambda ts, n: ts >= F.col("_s") - F.make_interval(days=F.lit(n))  # noqa: E731

    tx = transactions.select("customer_id", "transaction_ts", "amount_usd").join(F.broadcast(snaps), how="cross")
    past = tx.where(F.col("transaction_ts") < F.col("_s"))
    ts = F.col("transaction_ts")
    window_30, window_90 = days_before(ts, 30), days_before(ts, 90)
    buying = past.groupBy("customer_id", "snapshot_date", "_s").agg(
        F.max("transaction_ts").alias("_last"),
        F.count_if(window_30).alias("orders_30d"),
        F.count_if(days_before(ts, 60) & ~window_30).alias("orders_prev_30d"),
        F.count_if(window_90).alias("orders_90d"),
        F.count_if(days_before(ts, lookback_days)).alias("_in_lookback"),
        F.count("*").alias("orders_lifetime"),
        F.sum(F.when(window_30, F.col("amount_usd"))).alias("spend_30d"),
        F.sum(F.when(window_90, F.col("amount_usd"))).alias("spend_90d"),
        F.sum("amount_usd").alias("spend_lifetime"))
    buying = buying.where("_in_lookback > 0")
    future = (tx.where((ts >= F.col("_s")) & (ts < F.col("_s") + F.make_interval(days=F.lit(horizon_days))))
              .select("customer_id", "snapshot_date").distinct().withColumn("_bought", F.lit(True)))

    ev = clickstream.where(F.col("customer_id").isNotNull()).select("customer_id", "event_ts", "session_id")
    web = (ev.join(F.broadcast(snaps), how="cross")
           .where((F.col("event_ts") < F.col("_s")) & days_before(F.col("event_ts"), 30))
           .groupBy("customer_id", "snapshot_date")
           .agg(F.countDistinct("session_id").alias("sessions_30d"), F.count("*").alias("events_30d")))
    support = (tickets.select("customer_id", "opened_at", "sentiment").join(F.broadcast(snaps), how="cross")
               .where((F.col("opened_at") < F.col("_s")) & days_before(F.col("opened_at"), 90))
               .groupBy("customer_id", "snapshot_date")
               .agg(F.count("*").alias("tickets_90d"), F.count_if(F.col("sentiment") < 0).alias("negative_tickets_90d"),
                    F.avg("sentiment").alias("avg_sentiment_90d")))
    tier_index = F.array_position(F.array(*[F.lit(t) for t in TIERS]), F.col("_tier")) - 1
    signup = (customers.groupBy("customer_id")
              .agg(F.min_by(F.struct("signup_date", F.col("loyalty_tier").alias("_tier")), "__START_AT").alias("_first"))
              .select("customer_id", "_first.signup_date", "_first._tier"))

    rows = (buying.join(future, ["customer_id", "snapshot_date"], "left")
            .join(web, ["customer_id", "snapshot_date"], "left")
            .join(support, ["customer_id", "snapshot_date"], "left")
            .join(signup, "customer_id", "left"))
    return (rows
            .withColumn("label", F.when(F.col("_bought"), 0).otherwise(1))
            .withColumn("recency_days", F.datediff(F.col("snapshot_date"), F.to_date("_last")))
            .withColumn("tenure_days", F.coalesce(F.datediff(F.col("snapshot_date"), F.col("signup_date")), F.lit(0)))
            .withColumn("signup_tier", F.coalesce(tier_index, F.lit(0)).cast("int"))
            .withColumn("avg_order_value_90d", F.when(F.col("orders_90d") > 0,
                                                      (F.col("spend_90d") / F.col("orders_90d")).cast("double")))
            .fillna(0, subset=["sessions_30d", "events_30d", "tickets_90d", "negative_tickets_90d"])
            .fillna(0.0, subset=["avg_sentiment_90d", "avg_order_value_90d"])
            .withColumn("spend_30d", F.coalesce(F.col("spend_30d").cast("double"), F.lit(0.0)))
            .withColumn("spend_90d", F.coalesce(F.col("spend_90d").cast("double"), F.lit(0.0)))
            .withColumn("spend_lifetime", F.col("spend_lifetime").cast("double"))
            .select("customer_id", "snapshot_date", "label", *FEATURES))


# -- cohort_retention -----------------------------------------------------------------------------
def cohort_retention(transactions):
    """Customers by first-purchase month (cohort) and the share who bought in each later month.

    Returns:
        ``cohort_month`` (DATE, first of month), ``months_since`` (0 = the cohort's month),
        ``customers`` (buyers that month), ``cohort_size``, ``retention`` = customers / cohort_size.

    Example:
        >>> cohort_retention(tx).where("months_since = 1").show()   # doctest: +SKIP
    """
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    month = F.trunc(F.to_date("transaction_ts"), "month")
    active = transactions.select("customer_id", month.alias("month")).distinct()
    first = active.groupBy("customer_id").agg(F.min("month").alias("cohort_month"))
    grid = (active.join(first, "customer_id")
            .withColumn("months_since", F.months_between("month", "cohort_month").cast("int"))
            .groupBy("cohort_month", "months_since").agg(F.count("*").alias("customers")))
    size = F.max(F.when(F.col("months_since") == 0, F.col("customers"))).over(Window.partitionBy("cohort_month"))
    return (grid.withColumn("cohort_size", size)
            .withColumn("retention", F.round(F.col("customers") / F.col("cohort_size"), 4)))


# -- build ----------------------------------------------------------------------------------------
def build(spark, schema: str, *, silver_schema: str | None = None, layer_prefix: bool = False,
          as_of=None) -> dict[str, int]:
    """Rebuild the Gold tables of ``schema`` from the Silver tables (a full refresh; idempotent).

    Args:
        spark: the session.
        schema: ``catalog.schema`` for the Gold tables.
        silver_schema: where the Silver tables are (default: ``schema``).
        layer_prefix: False for the reference schemas (``c360_silver.customers`` ->
            ``c360_gold.customer_360``), True for a lab's schema (``silver_customers`` ->
            ``gold_customer_360``).
        as_of: reporting date (default: the last day with a transaction).

    Returns:
        Rows per Gold table, e.g. ``{"revenue_daily": 1890, "customer_segments": 9213, ...}``.

    Raises:
        GoldError: a Silver table is missing.

    Example:
        >>> gold.build(spark, "spark_catalog.c360_gold", silver_schema="spark_catalog.c360_silver")  # doctest: +SKIP
        {'revenue_daily': 3240, 'customer_segments': 9213, 'customer_360': 9213, 'churn_features': 31874, ...}
    """
    src = silver_schema or schema
    names = silver_names(layer_prefix=layer_prefix)
    inputs = {}
    for name in ("customers", "transactions", "clickstream", "support_tickets"):
        table = f"{src}.{names[name]}"
        if not spark.catalog.tableExists(table):
            raise GoldError(f"The Silver table {table} does not exist.",
                            fix="build Silver first (lakehouse.c360.silver.build, or `make pipeline`), or pass "
                                "silver_schema= / layer_prefix= to point at it.")
        inputs[name] = spark.table(table)
    tx = inputs["transactions"]
    as_of = as_of_date(tx) if as_of is None else _date(as_of, "as_of")
    out = {name: f"{schema}.{table}" for name, table in table_names(layer_prefix=layer_prefix).items()}

    _write(revenue_daily(tx), out["revenue_daily"])
    _write(customer_segments(tx, inputs["customers"], as_of=as_of), out["customer_segments"])
    _write(customer_360(inputs["customers"], tx, inputs["clickstream"], inputs["support_tickets"],
                        spark.table(out["customer_segments"]), as_of=as_of), out["customer_360"])
    _write(churn_features(tx, inputs["customers"], inputs["clickstream"], inputs["support_tickets"]),
           out["churn_features"])
    _write(cohort_retention(tx), out["cohort_retention"])
    return {name: spark.table(table).count() for name, table in out.items()}


def _write(df, table: str) -> None:
    df.write.format("delta").mode("overwrite").option("overwriteSchema", "true").saveAsTable(table)
