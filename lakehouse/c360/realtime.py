"""The real-time Customer 360: transactions and clicks as Structured Streaming queries.

Four queries, each restartable from its checkpoint, each exactly once end to end:

1. ``bronze`` — Auto Loader (``cloudFiles``) over the transactions CSV. Its ``foreachBatch``
   is the **late-data side path**: a row whose event time is at or behind the watermark
   (the largest event time of the earlier micro-batches minus :data:`WATERMARK_DELAY`, the
   rule Spark's stateful operators use) goes to ``late_events`` instead of being dropped
   silently; the others are appended to ``bronze_transactions`` with the typed ``event_ts``.
2. ``silver`` — ``bronze_transactions`` as a Delta stream -> ``withWatermark`` +
   ``dropDuplicatesWithinWatermark("transaction_id")`` -> a stream-static join to the customer
   dimension (each customer's current SCD2 row, :func:`lakehouse.c360.silver.known_customers`) ->
   ``foreachBatch``: the Silver rules (:func:`lakehouse.c360.silver.classify_transactions`),
   ``MERGE`` into ``silver_transactions``, rejects appended to ``silver_rejects``, and the gold
   ``gold_revenue_per_minute`` (revenue, orders, active customers per minute and region)
   recomputed for the minutes the batch touched and merged in.
3. ``sessions`` — clickstream Parquet via Auto Loader -> watermark -> ``session_window``
   (30 minutes of inactivity) per visitor -> ``click_sessions`` (append: a session is written
   once the watermark has passed its end). :func:`active_sessions_per_minute` reads it.
4. ``attribution`` — a stream-stream join: web purchases (``bronze_transactions``) with the
   same customer's clicks in the 30 minutes before, watermarks on both sides ->
   ``attributed_clicks``.

**Exactly once in ``foreachBatch``** (``foreachBatch`` alone is at least once: a batch that
failed half-way runs again with the same id): every append carries Delta's idempotent-write
options ``txnAppId`` / ``txnVersion`` (the batch id), and every ``MERGE`` runs with the session
settings ``spark.databricks.delta.write.txnAppId`` / ``txnVersion``, so a replayed batch's
commits that already happened are skipped by Delta. The app id is stored in the checkpoint
folder (``_txn_app_id``): a new checkpoint gets a new id, as Databricks asks
(https://docs.databricks.com/aws/en/structured-streaming/foreach; the settings' names:
https://docs.databricks.com/aws/en/error-messages/delta-invalid-idempotent-writes-options-error-class).
The Silver ``MERGE`` is insert-only on ``transaction_id`` and the gold rows are recomputed from
Silver, so both are idempotent on their own too.

**Accounting**: transaction rows landed = ``bronze_transactions`` + ``late_events``;
``bronze_transactions`` = ``silver_transactions`` + ``silver_rejects`` + duplicates dropped
(:func:`accounting`).

Databricks: https://docs.databricks.com/aws/en/structured-streaming/watermarks,
https://docs.databricks.com/aws/en/structured-streaming/foreach.

Example:
    >>> from lakehouse.c360 import realtime
    >>> realtime.TABLES["late"], realtime.WATERMARK_DELAY
    ('late_events', '10 minutes')
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass

from ..errors import LakehouseError
from ..runtime import delta_log
from ..runtime.names import quote
from ..runtime.shipping import portable
from . import silver
from .bronze import read_files

WATERMARK_DELAY = "10 minutes"
"""How far behind the largest event time seen a row may arrive and still count (all queries)."""
SESSION_GAP = f"{silver.SESSION_GAP_MINUTES} minutes"
ATTRIBUTION_MINUTES = 30
TABLES = {
    "bronze": "bronze_transactions",
    "late": "late_events",
    "silver": "silver_transactions",
    "rejects": "silver_rejects",
    "gold": "gold_revenue_per_minute",
    "sessions": "click_sessions",
    "attribution": "attributed_clicks",
}
QUERIES = ("bronze", "silver", "sessions", "attribution")
_TS = "try_to_timestamp(transaction_ts)"


class StreamSetupError(LakehouseError):
    """A streaming query of the reference C360 was asked for with bad arguments."""

    code = "C360_STREAM_SETUP"


@dataclass(frozen=True)
class Layout:
    """Where the real-time C360 reads and writes: the schema, the landing, checkpoints and schemas.

    Args:
        schema: ``catalog.schema`` of the tables.
        landing: the landing folder (``transactions/``, ``clickstream/``).
        checkpoints: a folder for one checkpoint per query.
        schemas: a folder for the Auto Loader schema locations.
        customers: the SCD2 customer table (``__START_AT``/``__END_AT``).
        prefix: the start of the query names (a lab's ``labNN_``).
    """

    schema: str
    landing: str
    checkpoints: str
    schemas: str
    customers: str
    prefix: str = "c360_"

    def table(self, name: str) -> str:
        return f"{self.schema}.{TABLES[name]}"

    def checkpoint(self, name: str) -> str:
        return os.path.join(self.checkpoints, f"stream_{name}")

    def query_name(self, name: str) -> str:
        return f"{self.prefix}{name}"


def txn_app_id(checkpoint: str) -> str:
    """The idempotent-write app id of the query using ``checkpoint`` (made once, kept there).

    Example:
        >>> import tempfile
        >>> d = tempfile.mkdtemp()
        >>> txn_app_id(d) == txn_app_id(d)
        True
    """
    os.makedirs(checkpoint, exist_ok=True)
    path = os.path.join(checkpoint, "_txn_app_id")
    if not os.path.exists(path):
        tmp = f"{path}.{os.getpid()}"
        with open(tmp, "w") as f:
            f.write(f"c360-{uuid.uuid4()}")
        os.replace(tmp, path)
    with open(path) as f:
        return f.read().strip()


def _append(df, table: str, app_id: str, batch_id: int) -> None:
    (df.write.format("delta").mode("append").option("txnAppId", app_id).option("txnVersion", batch_id)
     .option("mergeSchema", "true").saveAsTable(table))


def _idempotent_sql(spark, app_id: str, batch_id: int, statement: str) -> None:
    """Run one DML statement as the idempotent write ``(app_id, batch_id)``."""
    from ..runtime.spark_conf import session_conf

    with session_conf(spark, {"spark.databricks.delta.write.txnAppId": app_id,
                              "spark.databricks.delta.write.txnVersion": str(batch_id)}):
        spark.sql(statement)


# 1. bronze with the late-data side path -----------------------------------------------------------
def create_tables(spark, layout: Layout) -> None:
    """Create the tables the ``foreachBatch`` functions write to (idempotent)."""
    spark.sql(f"CREATE SCHEMA IF NOT EXISTS {layout.schema}")
    _create(spark, layout.table("late"), "source STRING, event_ts TIMESTAMP, watermark TIMESTAMP, record STRING, "
                                         "_source_file STRING, _batch_id BIGINT")
    _create(spark, layout.table("gold"), "minute TIMESTAMP, region STRING, revenue_usd DECIMAL(24,2), orders BIGINT, "
                                         "active_customers BIGINT")


def _create(spark, table: str, schema) -> None:
    """``CREATE TABLE IF NOT EXISTS`` that survives a process killed half-way through an earlier one.

    A managed Delta table is made in steps: its folder, the first commit (``_delta_log``), the
    metastore entry. A kill in between leaves a folder and no table, and the next CREATE fails
    with ``DELTA_CREATE_TABLE_WITH_NON_EMPTY_LOCATION``: a folder with a commit is registered as
    it is; one without any (nothing was ever committed there) is removed and the CREATE retried.
    (Local folders only: on Databricks, Unity Catalog makes managed tables.)

    Args:
        schema: a DDL string or a ``StructType``.
    """
    import re

    ddl = schema if isinstance(schema, str) else ", ".join(
        quote(f.name) + " " + f.dataType.simpleString() for f in schema.fields)
    try:
        spark.sql(f"CREATE TABLE IF NOT EXISTS {table} ({ddl}) USING DELTA")
    except Exception as exc:  # AnalysisException, classic or Connect
        found = re.search(r"location \('([^']+)'\) is not empty", str(exc))
        if "DELTA_CREATE_TABLE_WITH_NON_EMPTY_LOCATION" not in str(exc) or not found:
            raise
        location = found.group(1)
        local = location.removeprefix("file:")
        if delta_log.latest_version(local) >= 0:
            spark.sql(f"CREATE TABLE IF NOT EXISTS {table} USING DELTA LOCATION '{location}'")
        elif os.path.isdir(local):
            import shutil

            shutil.rmtree(local)
            spark.sql(f"CREATE TABLE IF NOT EXISTS {table} ({ddl}) USING DELTA")
        else:
            raise


def bronze_batch(layout: Layout, app_id: str, delay_seconds: int):
    """The ``foreachBatch`` function of the bronze query: split late rows, append both parts."""

    def run(batch_df, batch_id: int) -> None:
        spark = batch_df.sparkSession
        batch_df = batch_df.persist()  # written to two tables: read the files once
        try:
            if batch_df.count() == 0:  # e.g. an empty file: nothing to write
                return
            _split_late(spark, batch_df, batch_id)
        finally:
            batch_df.unpersist()

    def _split_late(spark, batch_df, batch_id: int) -> None:
        from pyspark.sql import functions as F

        bronze = layout.table("bronze")
        previous = _previous_max(spark, bronze, batch_id)
        df = batch_df.withColumn("_batch_id", F.lit(batch_id).cast("bigint"))
        if previous is None:
            on_time, late = df, None
        else:
            watermark = F.lit(previous) - F.expr(f"INTERVAL {delay_seconds} SECONDS")
            behind = F.coalesce(F.col("event_ts") <= watermark, F.lit(False))
            on_time = df.where(~behind)
            late = df.where(behind).select(
                F.lit("transactions").alias("source"), "event_ts", watermark.alias("watermark"),
                F.to_json(F.struct(*[F.col(c) for c in batch_df.columns if not c.startswith("_")
                                     and c != "event_ts"])).alias("record"),
                "_source_file", "_batch_id")
        _append(on_time, bronze, app_id, batch_id)
        if late is not None:
            _append(late, layout.table("late"), app_id, batch_id)

    return run


def _previous_max(spark, bronze: str, batch_id: int):
    """The largest event time of the micro-batches before ``batch_id`` (None before the first).

    Not ``spark.catalog.tableExists``: in a ``foreachBatch`` of a ``processingTime`` query over
    Spark Connect (pyspark 4.2) it answered False for a table another query had created, while
    reading the table worked.
    """
    from pyspark.errors import AnalysisException
    from pyspark.sql import functions as F

    try:
        return spark.table(bronze).where(F.col("_batch_id") < batch_id).agg(F.max("event_ts")).first()[0]
    except AnalysisException as exc:
        if "TABLE_OR_VIEW_NOT_FOUND" in str(exc):
            return None
        raise


def start_bronze(spark, layout: Layout, *, trigger: dict | None = None, max_files_per_trigger: int | None = None):
    """Start the bronze query (Auto Loader -> late split -> ``bronze_transactions``/``late_events``).

    Args:
        spark: the session.
        layout: where things are.
        trigger: ``DataStreamWriter.trigger`` keywords (default ``{"availableNow": True}``).
        max_files_per_trigger: ``cloudFiles.maxFilesPerTrigger`` (default: Auto Loader's 1000).

    Returns:
        The ``StreamingQuery``.
    """
    from pyspark.sql import functions as F

    create_tables(spark, layout)
    reader_df = read_files(spark, "transactions", layout.landing, os.path.join(layout.schemas, "transactions"),
                           options=({"cloudFiles.maxFilesPerTrigger": str(max_files_per_trigger)}
                                    if max_files_per_trigger else None))
    df = reader_df.withColumn("event_ts", F.expr(_TS))
    _create(spark, layout.table("bronze"), df.withColumn("_batch_id", F.lit(0).cast("bigint")).schema)
    checkpoint = layout.checkpoint("bronze")
    delay = _seconds(WATERMARK_DELAY)
    return (df.writeStream.queryName(layout.query_name("bronze"))
            .foreachBatch(portable(bronze_batch(layout, txn_app_id(checkpoint), delay), spark))
            .option("checkpointLocation", checkpoint).trigger(**(trigger or {"availableNow": True})).start())


def _seconds(interval: str) -> int:
    number, unit = interval.split()
    return int(number) * {"second": 1, "minute": 60, "hour": 3600}[unit.rstrip("s")]


# 2. silver and gold ---------------------------------------------------------------------------------
def current_customers(spark, customers_table: str):
    """The static side of the join: each customer's current SCD2 row (or a deleted one's last)."""
    from pyspark.sql import functions as F

    return (silver.known_customers(spark.table(customers_table))
            .select("customer_id", "loyalty_tier", F.lit(True).alias("__known")))


def silver_stream(spark, layout: Layout):
    """``bronze_transactions`` -> watermark -> dedup within the watermark -> join to the customers."""
    from pyspark.sql import functions as F

    events = (spark.readStream.table(layout.table("bronze"))
              .withWatermark("event_ts", WATERMARK_DELAY)
              .dropDuplicatesWithinWatermark(["transaction_id"]))
    return events.join(current_customers(spark, layout.customers), "customer_id", "left").withColumn("__n", F.lit(1))


def silver_batch(layout: Layout, app_id: str):
    """The ``foreachBatch`` function of the silver query: MERGE Silver, append rejects, refresh gold."""

    def run(batch_df, batch_id: int) -> None:
        spark = batch_df.sparkSession
        batch_df = batch_df.persist()  # used by the MERGE, the rejects and the gold keys
        try:
            if batch_df.count() == 0:  # the no-data batch that moves the watermark on
                return
            _write_silver(spark, batch_df, batch_id)
        finally:
            batch_df.unpersist()

    def _write_silver(spark, batch_df, batch_id: int) -> None:
        from pyspark.sql import functions as F

        df = batch_df.drop("event_ts", "_batch_id")
        result = silver.classify_transactions(df)
        target = layout.table("silver")  # created by start_silver (see _previous_max on tableExists)
        view = f"c360_silver_batch_{batch_id}"
        result.valid.createOrReplaceTempView(view)
        try:
            _idempotent_sql(spark, app_id, batch_id,
                            f"MERGE INTO {target} t USING {view} s ON t.transaction_id = s.transaction_id "
                            "WHEN NOT MATCHED THEN INSERT *")
        finally:
            spark.catalog.dropTempView(view)
        _append(result.rejects, layout.table("rejects"), app_id, batch_id)
        minutes = result.valid.select(F.date_trunc("minute", "transaction_ts").alias("minute"), "region").distinct()
        gold_view = f"c360_gold_batch_{batch_id}"
        refresh_gold(spark.table(target), minutes).createOrReplaceTempView(gold_view)
        try:
            _idempotent_sql(spark, app_id, batch_id,
                            f"MERGE INTO {layout.table('gold')} t USING {gold_view} s "
                            "ON t.minute = s.minute AND t.region = s.region "
                            "WHEN MATCHED THEN UPDATE SET * WHEN NOT MATCHED THEN INSERT *")
        finally:
            spark.catalog.dropTempView(gold_view)

    return run


def refresh_gold(silver_tx, keys=None):
    """Revenue (USD), orders and active customers per minute and region, from Silver.

    Args:
        silver_tx: the Silver transactions.
        keys: optional DataFrame of ``minute, region`` to compute (the ones a batch touched).

    Returns:
        ``minute, region, revenue_usd, orders, active_customers``.
    """
    from pyspark.sql import functions as F

    df = silver_tx.withColumn("minute", F.date_trunc("minute", "transaction_ts"))
    if keys is not None:
        df = df.join(keys, ["minute", "region"], "left_semi")
    return (df.groupBy("minute", "region")
            .agg(F.sum("amount_usd").cast("decimal(24,2)").alias("revenue_usd"), F.count("*").alias("orders"),
                 F.countDistinct("customer_id").alias("active_customers")))


def start_silver(spark, layout: Layout, *, trigger: dict | None = None):
    """Start the silver query (dedup, stream-static join, MERGE, rejects, gold). Returns the query."""
    create_tables(spark, layout)
    stream = silver_stream(spark, layout)
    result = silver.classify_transactions(stream.drop("event_ts", "_batch_id"))
    _create(spark, layout.table("silver"), result.valid.schema)
    _create(spark, layout.table("rejects"), result.rejects.schema)
    checkpoint = layout.checkpoint("silver")
    return (stream.writeStream.queryName(layout.query_name("silver"))
            .foreachBatch(portable(silver_batch(layout, txn_app_id(checkpoint)), spark))
            .option("checkpointLocation", checkpoint).trigger(**(trigger or {"availableNow": True})).start())


# 3. clickstream sessions -----------------------------------------------------------------------------
def click_events(spark, layout: Layout):
    """The clickstream as a stream: Auto Loader (new columns rescued, never a stop), ``visitor``."""
    from pyspark.sql import functions as F

    df = read_files(spark, "clickstream", layout.landing, os.path.join(layout.schemas, "clickstream"),
                    options={"cloudFiles.schemaEvolutionMode": "rescue"})
    return (df.withColumn("event_ts", F.col("event_ts").cast("timestamp"))
            .withColumn("visitor", F.coalesce("customer_id", F.concat(F.lit("anon:"), F.col("anonymous_id")))))


def sessions_stream(events):
    """Per-visitor sessions (``session_window``, 30 minutes of inactivity) with a watermark.

    ``is_bot``: Silver's rule (:data:`silver.BOT_EVENTS_PER_MINUTE`) on the finished session;
    the window's end is the last event plus the gap, so the active span is end - start - gap.
    """
    from pyspark.sql import functions as F

    span_minutes = (F.col("session.end").cast("long") - F.col("session.start").cast("long")) / 60 \
        - silver.SESSION_GAP_MINUTES
    return (events.withWatermark("event_ts", WATERMARK_DELAY)
            .groupBy("visitor", F.session_window("event_ts", SESSION_GAP).alias("session"))
            .agg(F.count("*").alias("events"), F.count_if(F.col("event_type") == "purchase").alias("purchases"))
            .select("visitor", F.col("session.start").alias("session_start"),
                    F.col("session.end").alias("session_end"), "events", "purchases",
                    (F.col("events") / F.greatest(span_minutes, F.lit(1.0)) > silver.BOT_EVENTS_PER_MINUTE)
                    .alias("is_bot")))


def start_sessions(spark, layout: Layout, *, trigger: dict | None = None):
    """Start the sessions query (append mode into ``click_sessions``). Returns the query."""
    return (sessions_stream(click_events(spark, layout)).writeStream.queryName(layout.query_name("sessions"))
            .format("delta").outputMode("append").option("checkpointLocation", layout.checkpoint("sessions"))
            .trigger(**(trigger or {"availableNow": True})).toTable(layout.table("sessions")))


def active_sessions_per_minute(sessions):
    """How many sessions were active in each minute (a session is active from start to end).

    ``session_window``'s end is the last event plus the gap, so a session counts as active for
    its inactivity timeout too, as on a web analytics dashboard. Bot sessions (``is_bot``) are
    left out when the table has the flag.
    """
    from pyspark.sql import functions as F

    if "is_bot" in sessions.columns:
        sessions = sessions.where(~F.col("is_bot"))

    minutes = F.explode(F.sequence(F.date_trunc("minute", "session_start"),
                                   F.date_trunc("minute", "session_end"), F.expr("INTERVAL 1 MINUTE")))
    return sessions.select(minutes.alias("minute")).groupBy("minute").agg(F.count("*").alias("active_sessions"))


# 4. stream-stream join ------------------------------------------------------------------------------
def attribution_stream(spark, layout: Layout):
    """Web purchases joined to the same customer's clicks in the :data:`ATTRIBUTION_MINUTES` before."""
    from pyspark.sql import functions as F

    purchases = (spark.readStream.table(layout.table("bronze")).where("channel = 'web' AND event_ts IS NOT NULL")
                 .select("transaction_id", F.col("customer_id").alias("buyer"), F.col("event_ts").alias("purchase_ts"))
                 .withWatermark("purchase_ts", WATERMARK_DELAY))
    clicks = (click_events(spark, layout).where("customer_id IS NOT NULL")
              .select("event_id", "customer_id", "page", F.col("event_ts").alias("click_ts"))
              .withWatermark("click_ts", WATERMARK_DELAY))
    condition = F.expr(f"buyer = customer_id AND click_ts BETWEEN purchase_ts - INTERVAL {ATTRIBUTION_MINUTES} "
                       "MINUTES AND purchase_ts")
    return purchases.join(clicks, condition, "inner").drop("buyer")


def start_attribution(spark, layout: Layout, *, trigger: dict | None = None):
    """Start the stream-stream join into ``attributed_clicks``. Returns the query."""
    return (attribution_stream(spark, layout).writeStream.queryName(layout.query_name("attribution"))
            .format("delta").outputMode("append").option("checkpointLocation", layout.checkpoint("attribution"))
            .trigger(**(trigger or {"availableNow": True})).toTable(layout.table("attribution")))


STARTERS = {"bronze": start_bronze, "silver": start_silver, "sessions": start_sessions,
            "attribution": start_attribution}


def run_available(spark, layout: Layout, names=QUERIES, *, max_files_per_trigger: int | None = None,
                  timeout_s: float = 300.0) -> dict:
    """Run the named queries with ``availableNow`` in dependency order; return rows per table.

    ``bronze`` first (the others read its table), then the rest side by side.

    Args:
        spark: the session.
        layout: where things are.
        names: some of :data:`QUERIES`.
        max_files_per_trigger: the bronze query's ``cloudFiles.maxFilesPerTrigger`` (1: one
            landed file per micro-batch, so the late rows do not depend on when files landed).
        timeout_s: the longest wait for each query.

    Raises:
        StreamSetupError: an unknown query name.
        lakehouse.streaming.StreamingError: a query failed.
    """
    from ..streaming import wait_until_processed

    unknown = [n for n in names if n not in STARTERS]
    if unknown:
        raise StreamSetupError(f"unknown streaming query {unknown[0]!r}.", fix=f"use some of {', '.join(QUERIES)}.")
    if "bronze" in names:
        wait_until_processed(start_bronze(spark, layout, max_files_per_trigger=max_files_per_trigger),
                             timeout_s=timeout_s)
    rest = [STARTERS[n](spark, layout) for n in names if n != "bronze"]
    for query in rest:
        wait_until_processed(query, timeout_s=timeout_s)
    return counts(spark, layout)


def stop_all(spark, layout: Layout) -> list[str]:
    """Stop this session's queries of ``layout`` (named with its prefix); returns their names."""
    from ..streaming import stop

    return stop(spark, layout.prefix)


def counts(spark, layout: Layout) -> dict:
    """Rows in each table of the real-time C360 that exists (``{name: rows}``)."""
    return {name: spark.table(layout.table(name)).count() for name in TABLES
            if spark.catalog.tableExists(layout.table(name))}


def accounting(spark, layout: Layout) -> dict:
    """The transaction accounting: landed = bronze + late; bronze = silver + rejects + duplicates dropped.

    Returns:
        ``{"bronze", "late", "silver", "rejects": {reason: n}, "duplicates_dropped"}``.
    """
    found = counts(spark, layout)
    rejects = {}
    if "rejects" in found:
        rejects = {r.reason: r["count"] for r in spark.table(layout.table("rejects")).groupBy("reason").count().collect()}
    silver_rows = found.get("silver", 0)
    return {"bronze": found.get("bronze", 0), "late": found.get("late", 0), "silver": silver_rows,
            "rejects": rejects, "duplicates_dropped": found.get("bronze", 0) - silver_rows - sum(rejects.values())}


def prepare_customers(spark, source_data, layout: Layout, *, rebuild: bool = False) -> int:
    """Build the SCD2 customer dimension the silver query joins to, from every CRM batch.

    Reads the generated CRM change files of all batches in one batch read (no landing, no
    stream: this lab is about the transactions and clicks), checks them with
    :func:`lakehouse.c360.silver.customer_changes` and applies the valid changes as SCD type 2
    into ``layout.customers`` with :func:`lakehouse.cdc.apply_changes`, as lab 04 does.

    Args:
        spark: the session.
        source_data: the generated data set (:func:`lakehouse.datagen.generate`'s folder).
        layout: where things are (``layout.customers`` is the table written).
        rebuild: rebuild an existing table (default: keep it; the data set never changes).

    Returns:
        The number of customer versions.
    """
    from pyspark.sql import functions as F

    from ..cdc import apply_changes
    from ..datagen import batch_folder, read_manifest

    if spark.catalog.tableExists(layout.customers) and not rebuild:
        return spark.table(layout.customers).count()
    batches = range(read_manifest(source_data)["num_batches"])
    files = [str(batch_folder(source_data, b, "crm") / "*.json") for b in batches]
    crm = (spark.read.format("json").load(files).select("*", F.col("_metadata.file_path").alias("_source_file"))
           .withColumn("_ingested_at", F.current_timestamp()))
    if "_corrupt_record" not in crm.columns:
        crm = crm.withColumn("_corrupt_record", F.lit(None).cast("string"))
    # Spark's JSON reader keeps the fields it parsed before a cut-short line broke off; Auto Loader
    # (and lab 02's Bronze) rescue the whole line. Keep nothing of a malformed line, as Bronze does.
    data = [c for c in crm.columns if not c.startswith("_")]
    crm = crm.select(*[F.when(F.col("_corrupt_record").isNull(), F.col(c)).alias(c) for c in data],
                     F.col("_corrupt_record").alias("_rescued_data"), "_source_file", "_ingested_at")
    changes = silver.customer_changes(crm).valid
    spark.sql(f"DROP TABLE IF EXISTS {layout.customers}")
    apply_changes(layout.customers, changes, keys=["customer_id"], sequence_by="sequence_num",
                  apply_as_deletes="operation = 'DELETE'", except_column_list=["operation"],
                  stored_as_scd_type=2, track_history_column_list=list(silver.TRACKED_CUSTOMER_COLUMNS))
    return spark.table(layout.customers).count()
