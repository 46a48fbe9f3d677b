"""The Customer 360 Silver transformations the pipeline uses, in the pipeline's root folder.

Plain PySpark (no ``lakehouse`` import), so the pipeline's files ``import c360_transforms`` as
on Databricks, where the pipeline's root folder is on ``sys.path``
(https://docs.databricks.com/aws/en/ldp/import-workspace-files). :mod:`lakehouse.c360.silver`
(the batch Silver of labs 04, 08, 12) and :mod:`lakehouse.c360.sentiment` import them from
here: each rule is written once.

* :func:`known_customers` — each customer's latest SCD2 version;
* :func:`clickstream` / :func:`sessionize` — deduplicated, sessionized events;
* :func:`tickets` — each support ticket's latest state with a lexicon sentiment score
  (:func:`sentiment_score`).

Each returns a :class:`SilverResult`: the valid rows and the rejected rows
(``source, reason, record, _source_file, _ingested_at``).

Example:
    >>> USD_PER["EUR"], SESSION_GAP_MINUTES, "great" in POSITIVE and "frustrated" in NEGATIVE
    (1.08, 30, True)
"""

from __future__ import annotations

from dataclasses import dataclass

SESSION_GAP_MINUTES = 30
USD_PER = {"USD": 1.0, "EUR": 1.08, "GBP": 1.27}  # fixed reference rates: reproducible results
BOT_EVENTS_PER_MINUTE = 20
TRACKED_CUSTOMER_COLUMNS = ("address", "loyalty_tier", "marketing_consent")  # SCD2 history kept for these
_META = ("_rescued_data", "_source_file", "_ingested_at")

POSITIVE = ("thanks", "thank", "great", "love", "happy", "excellent", "perfect", "quick", "helpful",
            "resolved", "appreciate", "amazing", "good", "awesome", "pleased", "fast")
NEGATIVE = ("frustrated", "angry", "terrible", "awful", "refund", "cancel", "broken", "worst", "disappointed",
            "unacceptable", "never", "nobody", "avoid", "leaving", "damaged", "useless", "complaint",
            "furious", "urgent")


def sentiment_score(text_col):
    """A Column with the lexicon score of a text Column (lower-cased words, punctuation ignored).

    Args:
        text_col: a string Column.

    Returns:
        A double Column in [-1, 1].
    """
    from pyspark.sql import functions as F

    words = F.split(F.lower(F.regexp_replace(text_col, r"[^A-Za-z ]", " ")), r"\s+")
    pos = F.size(F.filter(words, lambda w: w.isin(*POSITIVE)))
    neg = F.size(F.filter(words, lambda w: w.isin(*NEGATIVE)))
    return F.when(pos + neg == 0, F.lit(0.0)).otherwise((pos - neg) / (pos + neg))


@dataclass(frozen=True)
class SilverResult:
    """Valid rows and rejected rows (``source, reason, record, _source_file, _ingested_at``)."""

    valid: object
    rejects: object


def split_on_reason(df, reason_col, source: str, valid_cols) -> SilverResult:
    """Split ``df`` on a nullable reason Column into (valid with ``valid_cols``, rejects).

    Args:
        df: the typed rows, with ``_source_file`` and ``_ingested_at``.
        reason_col: a Column that is NULL for a valid row, else why the row is rejected.
        source: the source name written into the rejects' ``source`` column.
        valid_cols: the columns (names or Columns) the valid rows keep.

    Returns:
        :class:`SilverResult` (``valid``, ``rejects`` with ``source, reason, record, _source_file,
        _ingested_at``).

    Example:
        >>> result = split_on_reason(df, F.when(F.col("amount") < 0, "negative_amount"), "transactions",
        ...                          ["transaction_id", "amount"])          # doctest: +SKIP
    """
    from pyspark.sql import functions as F

    original = [c for c in df.columns if not c.startswith("__")]
    tagged = df.withColumn("__reason", reason_col)
    rejects = tagged.where(F.col("__reason").isNotNull()).select(
        F.lit(source).alias("source"), F.col("__reason").alias("reason"),
        F.to_json(F.struct(*[F.col(c) for c in original if c not in _META])).alias("record"),
        F.col("_source_file").cast("string").alias("_source_file"),
        F.col("_ingested_at").cast("timestamp").alias("_ingested_at"))
    return SilverResult(tagged.where(F.col("__reason").isNull()).select(*valid_cols), rejects)


def known_customers(customers_scd2):
    """``customer_id`` and the latest attributes of every customer the CRM ever inserted
    (deleted ones included, so their history still joins)."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    latest = Window.partitionBy("customer_id").orderBy(F.col("__START_AT").desc())
    return (customers_scd2.withColumn("__rank", F.row_number().over(latest)).where("__rank = 1")
            .select("customer_id", "loyalty_tier", "signup_date", F.col("__END_AT").isNull().alias("is_current")))


def clickstream(bronze_clicks, customers) -> SilverResult:
    """Deduplicated events, sessionized (30 minutes of inactivity), anonymous visitors resolved.

    A visitor is ``customer_id`` when logged in, else the ``anonymous_id`` cookie; an anonymous
    cookie ever seen logged in is attributed to that customer (``resolved_customer_id``). A
    session ends after :data:`SESSION_GAP_MINUTES` minutes without events (the same rule as
    ``session_window``); sessions faster than :data:`BOT_EVENTS_PER_MINUTE` events a minute
    are flagged ``is_bot``.

    Returns:
        valid: the event columns plus ``resolved_customer_id, session_id, session_start,
        is_bot``; reject reasons ``duplicate``, ``rescued``, ``wrong_type``, ``unknown_customer_id``.
    """
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    first = Window.partitionBy("event_id").orderBy("_ingested_at", "_source_file")
    df = (bronze_clicks.withColumn("__n", F.row_number().over(first))
          .withColumn("__ts", F.col("event_ts").cast("timestamp"))
          .join(customers.select("customer_id").withColumn("__known", F.lit(True)), "customer_id", "left"))
    reason = (F.when(F.col("__n") > 1, "duplicate")
              .when(F.col("_rescued_data").isNotNull(), "rescued")
              .when(F.col("__ts").isNull(), "wrong_type")
              .when(F.col("customer_id").isNotNull() & F.col("__known").isNull(), "unknown_customer_id"))
    event_cols = [c for c in bronze_clicks.columns if c not in _META and c != "event_ts"]
    split = split_on_reason(df, reason, "clickstream", event_cols + [F.col("__ts").alias("event_ts"), "_ingested_at"])
    return SilverResult(sessionize(split.valid), split.rejects)


def sessionize(events):
    """Add ``resolved_customer_id``, ``session_id``, ``session_start``, ``is_bot`` to clean events."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    cookie_owner = (events.where("customer_id IS NOT NULL").groupBy("anonymous_id")
                    .agg(F.min("customer_id").alias("__owner")))
    visitor = F.coalesce(F.col("customer_id"), F.col("__owner"), F.concat(F.lit("anon:"), F.col("anonymous_id")))
    by_visitor = Window.partitionBy("__visitor").orderBy("event_ts", "event_id")
    gap = F.col("event_ts").cast("long") - F.lag(F.col("event_ts").cast("long")).over(by_visitor)
    df = (events.join(cookie_owner, "anonymous_id", "left")
          .withColumn("resolved_customer_id", F.coalesce("customer_id", "__owner"))
          .withColumn("__visitor", visitor)
          .withColumn("__new", F.when(gap.isNull() | (gap > SESSION_GAP_MINUTES * 60), 1).otherwise(0))
          .withColumn("__seq", F.sum("__new").over(by_visitor.rowsBetween(Window.unboundedPreceding, 0))))
    session = Window.partitionBy("__visitor", "__seq")
    minutes = (F.max("event_ts").over(session).cast("long") - F.min("event_ts").over(session).cast("long")) / 60
    return (df.withColumn("session_start", F.min("event_ts").over(session))
            .withColumn("session_id", F.sha2(F.concat_ws("|", "__visitor", F.col("session_start").cast("string")), 256)
                        .substr(1, 16))
            .withColumn("is_bot", (F.count("*").over(session) / F.greatest(minutes, F.lit(1.0))) > BOT_EVENTS_PER_MINUTE)
            .drop("__owner", "__visitor", "__new", "__seq"))


def tickets(bronze_changes, customers) -> SilverResult:
    """Latest state of each ticket from its Delta change feed, with a sentiment score and the customer.

    Pre-images are skipped; the newest change (``_commit_version``) of a ticket wins; a ticket
    whose newest change is a ``delete`` is gone (not a reject: the customer asked to be
    forgotten). Accounting: tickets opened = valid + deleted + rejected.

    Returns:
        valid: the ticket columns plus ``sentiment`` (-1..1) and ``loyalty_tier``; reject reason
        ``unknown_customer_id``.
    """
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    newest = Window.partitionBy("ticket_id").orderBy(F.col("_commit_version").desc())
    latest = (bronze_changes.where("_change_type != 'update_preimage'")
              .withColumn("__n", F.row_number().over(newest)).where("__n = 1 AND _change_type != 'delete'")
              .withColumn("_rescued_data", F.lit(None).cast("string"))
              .withColumn("_source_file", F.lit("support_tickets (change feed)"))
              .join(customers.select("customer_id", "loyalty_tier").withColumn("__known", F.lit(True)),
                    "customer_id", "left"))
    reason = F.when(F.col("__known").isNull(), "unknown_customer_id")
    ticket_cols = [c for c in bronze_changes.columns if not c.startswith("_")]
    cols = ticket_cols + [sentiment_score(F.concat_ws(" ", "subject", "body")).alias("sentiment"), "loyalty_tier",
                          F.col("_commit_version").alias("source_version")]
    return split_on_reason(latest, reason, "support_tickets", cols)
