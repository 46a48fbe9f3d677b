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

# The transformations the C360 pipeline also uses live in its root folder (plain PySpark, no lakehouse
# import, so the pipeline runs unchanged on Databricks); they are part of this module's API.
from .pipelines.c360_transforms import (BOT_EVENTS_PER_MINUTE, SESSION_GAP_MINUTES, TRACKED_CUSTOMER_COLUMNS, USD_PER,
                                        SilverResult, clickstream, known_customers, sessionize, split_on_reason, tickets)

CRM_OPERATIONS = ("INSERT", "UPDATE", "DELETE")
TRANSACTION_COLUMNS = ("transaction_id", "customer_id", "transaction_ts", "amount", "currency", "channel",
                       "product_category", "quantity", "store_id", "region")


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
    return split_on_reason(df, reason, "crm", cols)


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
    return split_on_reason(df, reason, "transactions", cols)


TABLES = {
    "customers": "silver_customers",
    "transactions": "silver_transactions",
    "clickstream": "silver_clickstream",
    "support_tickets": "silver_support_tickets",
    "rejects": "silver_rejects",
}



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


__all__ = ["BOT_EVENTS_PER_MINUTE", "CRM_OPERATIONS", "SESSION_GAP_MINUTES", "TABLES", "TRACKED_CUSTOMER_COLUMNS",
           "TRANSACTION_COLUMNS", "USD_PER", "SilverResult", "build", "classify_transactions", "clickstream",
           "customer_changes", "known_customers", "sessionize", "tickets", "transactions", "write_customers"]
