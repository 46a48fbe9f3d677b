"""The Silver layer of the Customer 360: typed, deduplicated, conformed; bad rows kept out
with a reason.

Each function takes Bronze DataFrames (as :mod:`lakehouse.c360.bronze` writes them: source
columns as received, ``_rescued_data``, ``_source_file``, ``_ingested_at``) and returns a
:class:`SilverResult` — the valid rows and the rejected rows, always the same shape:
rejects carry ``source, reason, record`` (the original row as JSON), ``_source_file``,
``_ingested_at``. So every Bronze row is accounted for: ``bronze = valid + rejects`` for
transactions and clickstream, ``bronze = accepted changes + rejects`` for the CRM feed.

Example:
    >>> from lakehouse.c360 import silver                                   # doctest: +SKIP
    >>> result = silver.transactions(spark.table("lab04.bronze_transactions"),
    ...                              spark.table("lab04.silver_customers"))  # doctest: +SKIP
    >>> result.valid.count() + result.rejects.count()                       # doctest: +SKIP
    85095
"""

from __future__ import annotations

from dataclasses import dataclass

from .sentiment import sentiment_score

SESSION_GAP_MINUTES = 30
USD_PER = {"USD": 1.0, "EUR": 1.08, "GBP": 1.27}  # fixed reference rates: reproducible results
BOT_EVENTS_PER_MINUTE = 20
CRM_OPERATIONS = ("INSERT", "UPDATE", "DELETE")
TRANSACTION_COLUMNS = ("transaction_id", "customer_id", "transaction_ts", "amount", "currency", "channel",
                       "product_category", "quantity", "store_id", "region")
_META = ("_rescued_data", "_source_file", "_ingested_at")


@dataclass(frozen=True)
class SilverResult:
    """Valid rows and rejected rows (``source, reason, record, _source_file, _ingested_at``)."""

    valid: object
    rejects: object


def _split(df, reason_col, source: str, valid_cols) -> SilverResult:
    """Split ``df`` on a nullable reason Column into (valid with ``valid_cols``, rejects)."""
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


def customer_changes(bronze_crm, existing_ids=None) -> SilverResult:
    """The CRM change feed, checked: valid changes go to the SCD2 apply, the rest to rejects.

    Args:
        bronze_crm: Bronze CRM rows.
        existing_ids: optional DataFrame with ``customer_id`` of customers already in Silver.

    Returns:
        valid: change rows typed (``sequence_num`` BIGINT, ``signup_date`` DATE, ``updated_at``
        TIMESTAMP); rejects with reasons ``malformed_json``, ``null_customer_id``,
        ``bad_operation``, ``bad_sequence``, ``unknown_customer_id``.
    """
    from pyspark.sql import functions as F

    df = (bronze_crm
          .withColumn("__seq", F.expr("try_cast(sequence_num AS BIGINT)"))
          .withColumn("__op", F.upper(F.col("operation").cast("string"))))
    inserted = df.where("__op = 'INSERT' AND customer_id IS NOT NULL").select("customer_id")
    if existing_ids is not None:
        inserted = inserted.unionByName(existing_ids.select("customer_id"))
    known = inserted.distinct().withColumn("__known", F.lit(True))
    df = df.join(known, "customer_id", "left")
    reason = (F.when(F.col("customer_id").isNull() & F.col("operation").isNull(), "malformed_json")
              .when(F.col("customer_id").isNull(), "null_customer_id")
              .when(~F.col("__op").isin(*CRM_OPERATIONS) | F.col("__op").isNull(), "bad_operation")
              .when(F.col("__seq").isNull(), "bad_sequence")
              .when(F.col("__known").isNull(), "unknown_customer_id"))
    cols = ["customer_id", F.col("__op").alias("operation"), F.col("__seq").alias("sequence_num"),
            F.expr("try_to_timestamp(updated_at)").alias("updated_at"), "first_name", "last_name", "email",
            "phone", "address", F.expr("try_cast(signup_date AS DATE)").alias("signup_date"), "loyalty_tier",
            F.expr("try_cast(marketing_consent AS BOOLEAN)").alias("marketing_consent")]
    return _split(df, reason, "crm", cols)


def transactions(bronze_tx, customers) -> SilverResult:
    """Deduplicated (first arrival of a ``transaction_id`` wins), typed, in USD, with the customer.

    Args:
        bronze_tx: Bronze transaction rows (CSV columns as strings).
        customers: :func:`known_customers` output (or any DataFrame with ``customer_id``,
            ``loyalty_tier``).

    Returns:
        valid columns: ``transaction_id, customer_id, transaction_ts, amount, currency,
        amount_usd, channel, product_category, quantity, store_id, region, loyalty_tier,
        _ingested_at``; reject reasons: ``duplicate``, ``missing_field`` (a short CSV row),
        ``malformed_row``, ``rescued``, ``null_customer_id``, ``wrong_type``, ``negative_amount``, ``unknown_currency``,
        ``unknown_customer_id``.
    """
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    first = Window.partitionBy("transaction_id").orderBy("_ingested_at", "_source_file")
    df = (bronze_tx
          .withColumn("__n", F.row_number().over(first))
          .join(customers.select("customer_id", "loyalty_tier").withColumn("__known", F.lit(True)),
                "customer_id", "left"))
    return classify_transactions(df)


def classify_transactions(df) -> SilverResult:
    """Type and check transaction rows already numbered (``__n``) and joined to the customers.

    The rules of :func:`transactions`, for a caller that deduplicates and joins another way
    (the streaming Silver: ``dropDuplicatesWithinWatermark`` and a stream-static join,
    :mod:`lakehouse.c360.realtime`).

    Args:
        df: Bronze transaction columns plus ``__n`` (1 for the copy that wins), ``__known``
            (True when the customer exists) and ``loyalty_tier``.

    Returns:
        The same shape as :func:`transactions`.
    """
    from pyspark.sql import functions as F

    rates = F.create_map(*[x for k, v in USD_PER.items() for x in (F.lit(k), F.lit(v))])
    df = (df.withColumn("__ts", F.expr("try_to_timestamp(transaction_ts)"))
          .withColumn("__amount", F.expr("try_cast(amount AS DECIMAL(12,2))"))
          .withColumn("__qty", F.expr("try_cast(quantity AS INT)"))
          .withColumn("__rate", rates[F.col("currency")]))
    corrupt = F.get_json_object(F.col("_rescued_data"), "$._corrupt_record")
    fields = F.size(F.split(corrupt, ","))
    reason = (F.when(F.col("__n") > 1, "duplicate")
              .when(corrupt.isNotNull() & (fields < len(TRANSACTION_COLUMNS)), "missing_field")
              .when(corrupt.isNotNull(), "malformed_row")
              .when(F.col("_rescued_data").isNotNull(), "rescued")
              .when(F.col("customer_id").isNull(), "null_customer_id")
              .when(F.col("region").isNull(), "missing_field")
              .when(F.col("__ts").isNull() | F.col("__amount").isNull() | F.col("__qty").isNull(), "wrong_type")
              .when(F.col("__amount") < 0, "negative_amount")
              .when(F.col("__rate").isNull(), "unknown_currency")
              .when(F.col("__known").isNull(), "unknown_customer_id"))
    cols = ["transaction_id", "customer_id", F.col("__ts").alias("transaction_ts"),
            F.col("__amount").alias("amount"), "currency",
            (F.col("__amount") * F.col("__rate")).cast("decimal(14,2)").alias("amount_usd"), "channel",
            "product_category", F.col("__qty").alias("quantity"), "store_id", "region", "loyalty_tier",
            "_ingested_at"]
    return _split(df, reason, "transactions", cols)


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
    split = _split(df, reason, "clickstream", event_cols + [F.col("__ts").alias("event_ts"), "_ingested_at"])
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
    return _split(latest, reason, "support_tickets", cols)


TABLES = {
    "customers": "silver_customers",
    "transactions": "silver_transactions",
    "clickstream": "silver_clickstream",
    "support_tickets": "silver_support_tickets",
    "rejects": "silver_rejects",
}
TRACKED_CUSTOMER_COLUMNS = ("address", "loyalty_tier", "marketing_consent")


def write_customers(spark, table: str, changes) -> None:
    """Rebuild the SCD2 customers dimension ``table`` from the checked CRM changes (AUTO CDC).

    History is kept for :data:`TRACKED_CUSTOMER_COLUMNS` (a move, a new tier, a consent change);
    an e-mail or phone change updates the current version in place; a ``DELETE`` closes the
    customer's last version. Changes are ordered by ``sequence_num``, never by arrival.
    Databricks' ``create_auto_cdc_flow``: https://docs.databricks.com/aws/en/ldp/cdc

    Args:
        spark: the session.
        table: full name of the dimension (dropped and written again: idempotent).
        changes: :func:`customer_changes` ``.valid``.

    Example:
        >>> changes = customer_changes(spark.table("lab12.bronze_crm"))              # doctest: +SKIP
        >>> write_customers(spark, "spark_catalog.lab12.silver_customers", changes.valid)  # doctest: +SKIP
    """
    from ..cdc import apply_changes

    spark.sql(f"DROP TABLE IF EXISTS {table}")
    apply_changes(table, changes, keys=["customer_id"], sequence_by="sequence_num",
                  apply_as_deletes="operation = 'DELETE'", except_column_list=["operation"],
                  stored_as_scd_type=2, track_history_column_list=list(TRACKED_CUSTOMER_COLUMNS))


def build(spark, schema: str, *, bronze_schema: str | None = None) -> dict:
    """Rebuild the four Silver tables and ``silver_rejects`` of ``schema`` from the Bronze tables.

    Customers become an SCD2 dimension (history of address, tier and consent; email and phone
    changes update the current version in place) with :func:`lakehouse.cdc.apply_changes`.
    A full rebuild each call: idempotent, so a lab can run it any number of times.

    Args:
        spark: the session.
        schema: ``catalog.schema`` for the Silver tables.
        bronze_schema: where the ``bronze_*`` tables are (default: ``schema``).

    Returns:
        Row counts: ``{"customers": ..., "transactions": ..., "clickstream": ..., "support_tickets": ...,
        "rejects": {source: {reason: n}}}``.
    """
    from pyspark.sql import functions as F

    from .bronze import TABLES as BRONZE

    src = bronze_schema or schema
    bronze = {name: spark.table(f"{src}.{table}") for name, table in BRONZE.items()}
    out = {name: f"{schema}.{table}" for name, table in TABLES.items()}

    changes = customer_changes(bronze["crm"])
    write_customers(spark, out["customers"], changes.valid)
    customers = known_customers(spark.table(out["customers"]))

    results = {
        "transactions": transactions(bronze["transactions"], customers),
        "clickstream": clickstream(bronze["clickstream"], customers),
        "support_tickets": tickets(bronze["support_tickets"], customers),
    }
    for name, result in results.items():
        (result.valid.write.format("delta").mode("overwrite").option("overwriteSchema", "true")
         .saveAsTable(out[name]))
    rejects = changes.rejects
    for result in results.values():
        rejects = rejects.unionByName(result.rejects)
    rejects.write.format("delta").mode("overwrite").option("overwriteSchema", "true").saveAsTable(out["rejects"])

    counts = {name: spark.table(out[name]).count() for name in ("customers", *results)}
    by_reason: dict = {}
    for row in spark.table(out["rejects"]).groupBy("source", "reason").agg(F.count("*").alias("n")).collect():
        by_reason.setdefault(row.source, {})[row.reason] = row.n
    counts["rejects"] = by_reason
    return counts
