"""Checks of lab 05 · Structured Streaming: dedup within a watermark, an idempotent foreachBatch
MERGE, session windows, a stream-stream join, late rows counted exactly, the accounting, gold.

Example:
    >>> from lakehouse.course.labs.lab05_structured_streaming import CHECKS
    >>> [c.name for c in CHECKS if c.todo]
    ['tx_deduped', 'upsert_batch', 'sessions', 'attributed']
"""

from __future__ import annotations

from ...c360 import realtime as st
from ...perf import plan_text
from ..grading import Check, assert_equal, expect
from . import dataframe_or_fail, same_rows, table_or_fail

WATERMARK_DOC = "https://docs.databricks.com/aws/en/structured-streaming/watermarks"
FOREACH_DOC = "https://docs.databricks.com/aws/en/structured-streaming/foreach"
SESSION_DOC = "https://docs.databricks.com/aws/en/sql/language-manual/functions/session_window"
JOIN_DOC = WATERMARK_DOC  # its section on stream-stream joins
MONITOR_DOC = "https://docs.databricks.com/aws/en/structured-streaming/stream-monitoring"


# TODO 1 -----------------------------------------------------------------------------------------
def _tx_deduped(ctx, value, *, layout):
    dataframe_or_fail(value, "tx_deduped", streaming=True)
    plan = plan_text(value, "extended")
    expect("EventTimeWatermark" in plan and "event_ts" in plan.split("EventTimeWatermark", 1)[1][:80],
           "no watermark on event_ts (withWatermark)")
    expect("DeduplicateWithinWatermark" in plan, "no dropDuplicatesWithinWatermark in the plan")
    return expect("transaction_id" in plan.split("DeduplicateWithinWatermark", 1)[1][:200],
                  "the duplicates are not dropped on transaction_id")


# TODO 2 -----------------------------------------------------------------------------------------
def _probe_rows(ctx, first_id: int):
    return ctx.spark.createDataFrame(
        [(f"T99{first_id + i:08d}", "C0000001", f"{i}.00") for i in range(3)],
        "transaction_id string, customer_id string, amount string")


def _upsert_batch(ctx, value, *, target):
    expect(callable(value), f"upsert_batch is a {type(value).__name__}, expected a function (batch_df, batch_id)")
    spark = ctx.spark
    probe = ctx.table("upsert_probe")
    spark.sql(f"DROP TABLE IF EXISTS {probe}")
    spark.sql(f"CREATE TABLE {probe} (transaction_id STRING, customer_id STRING, amount STRING) USING DELTA")
    try:
        fn = value(probe)
        expect(callable(fn), "upsert_batch(table) must return the function foreachBatch calls")
        fn(_probe_rows(ctx, 0), 7)
        assert_equal(spark.table(probe).count(), 3, "rows after batch 7")
        fn(_probe_rows(ctx, 100), 7)
        return assert_equal(spark.table(probe).count(), 3,
                            "rows after batch 7 ran a second time (a replay must be skipped: txnVersion)")
    finally:
        spark.sql(f"DROP TABLE IF EXISTS {probe}")


# TODO 3 -----------------------------------------------------------------------------------------
def _sessions(ctx, value, *, events):
    dataframe_or_fail(value, "sessions", streaming=True)
    plan = plan_text(value, "extended")
    expect("EventTimeWatermark" in plan, "no watermark: a session window's state would grow for ever")
    expect("session_window" in plan or "SessionWindow" in plan, "no session_window in the grouping")
    missing = {"visitor", "session_start", "session_end", "events"} - set(value.columns)
    return expect(not missing, f"sessions lacks the columns {sorted(missing)}")


# TODO 4 -----------------------------------------------------------------------------------------
def _attributed(ctx, value, *, purchases, clicks):
    dataframe_or_fail(value, "attributed", streaming=True)
    plan = plan_text(value, "extended")
    expect(plan.count("EventTimeWatermark") >= 2, "both sides need a watermark (withWatermark on each stream)")
    expect("Join" in plan, "no join")
    logical = plan.split("== Analyzed Logical Plan ==")[-1]
    return expect("purchase_ts" in logical and "click_ts" in logical and "INTERVAL" in logical.upper(),
                  "the join condition must bound click_ts by purchase_ts (a time range)")


# state checks -----------------------------------------------------------------------------------
def _late_events(ctx, value, *, layout, manifest, late_batches):
    late = table_or_fail(ctx, layout.table("late"))
    want = sum(manifest["batches"][b]["sources"]["transactions"]["defects"]["late_event"] for b in late_batches)
    return assert_equal(late.count(), want, "late_events rows (the manifest's late rows of the batches landed after "
                                            "the first)")


def _accounting(ctx, value, *, accounting):
    return assert_equal(accounting.loc[~accounting["match"], "line"].tolist(), [], "lines that do not add up")


def _gold(ctx, value, *, layout):
    gold = table_or_fail(ctx, layout.table("gold"))
    full = st.refresh_gold(ctx.spark.table(layout.table("silver")))
    return same_rows(gold, full.select(*gold.columns), "gold rows (vs a full recomputation)")


def _my_silver(ctx, value, *, layout, target):
    mine = table_or_fail(ctx, target)
    bronze = ctx.spark.table(layout.table("bronze"))
    assert_equal(mine.count(), mine.select("transaction_id").distinct().count(), "rows per transaction id (dups?)")
    return assert_equal(mine.count(), bronze.select("transaction_id").distinct().count(),
                        "transactions in my_silver_transactions vs distinct ids in bronze")


# reference answers: make labs writes each body into the solution notebook's block
def _tx_deduped_answer(spark, layout, WATERMARK_DELAY):
    tx_deduped = (spark.readStream.table(layout.table("bronze"))
                  .withWatermark("event_ts", WATERMARK_DELAY)
                  .dropDuplicatesWithinWatermark(["transaction_id"]))
    return tx_deduped


def _upsert_batch_answer():
    def upsert_batch(target):
        def upsert(batch_df, batch_id):
            s = batch_df.sparkSession
            batch_df.createOrReplaceTempView("lab05_batch")
            s.conf.set("spark.databricks.delta.write.txnAppId", f"lab05-upsert-{target}")
            s.conf.set("spark.databricks.delta.write.txnVersion", str(batch_id))
            try:
                s.sql(f"MERGE INTO {target} t USING lab05_batch s "
                      "ON t.transaction_id = s.transaction_id WHEN NOT MATCHED THEN INSERT *")
            finally:
                s.conf.unset("spark.databricks.delta.write.txnAppId")
                s.conf.unset("spark.databricks.delta.write.txnVersion")
        return upsert
    return upsert_batch


def _sessions_answer(events, WATERMARK_DELAY, F, SESSION_GAP):
    sessions = (events.withWatermark("event_ts", WATERMARK_DELAY)
                .groupBy("visitor", F.session_window("event_ts", SESSION_GAP).alias("session"))
                .agg(F.count("*").alias("events"))
                .select("visitor", F.col("session.start").alias("session_start"),
                        F.col("session.end").alias("session_end"), "events"))
    return sessions


def _attributed_answer(purchases, WATERMARK_DELAY, clicks, F):
    attributed = purchases.withWatermark("purchase_ts", WATERMARK_DELAY).join(
        clicks.withWatermark("click_ts", WATERMARK_DELAY),
        F.expr("buyer = customer_id AND click_ts BETWEEN purchase_ts - INTERVAL 30 MINUTES AND purchase_ts"))
    return attributed


CHECKS = [
    Check("tx_deduped", "a stream with a watermark on event_ts, deduplicated on transaction_id within it",
          _tx_deduped, todo=1,
          nudge="withWatermark(event time column, delay) first, then dropDuplicatesWithinWatermark with the key "
                "column(s) as a list; use WATERMARK_DELAY.",
          doc=WATERMARK_DOC,
          answer=_tx_deduped_answer),
    Check("upsert_batch", "an insert-only MERGE on transaction_id that a replayed batch id skips", _upsert_batch,
          todo=2,
          nudge="inside the function: a temp view of batch_df, MERGE ... WHEN NOT MATCHED THEN INSERT *, run "
                "with the two session settings spark.databricks.delta.write.txnAppId (one per target) and "
                "spark.databricks.delta.write.txnVersion (the batch id), unset afterwards.",
          doc=FOREACH_DOC,
          answer=_upsert_batch_answer),
    Check("my_silver_transactions", "my_silver_transactions: one row per transaction id of bronze", _my_silver,
          variable=False, requires=("tx_deduped", "upsert_batch"),
          nudge="run the foreachBatch cell after TODOs 1 and 2 (availableNow), then this check."),
    Check("sessions", "per-visitor sessions with session_window and a watermark", _sessions, todo=3,
          nudge="withWatermark on event_ts, then groupBy the visitor and F.session_window(event time, SESSION_GAP); "
                "count the events; select the window's start and end as session_start and session_end.",
          doc=SESSION_DOC,
          answer=_sessions_answer),
    Check("attributed", "web purchases joined to the buyer's clicks in the 30 minutes before", _attributed, todo=4,
          nudge="a watermark on each side (purchase_ts, click_ts), then a join condition (F.expr) that matches "
                "the buyer to the clicking customer and bounds the click time by the purchase time with an "
                "INTERVAL (a time-range join).",
          doc=JOIN_DOC,
          answer=_attributed_answer),
    Check("late_events", "late_events holds exactly the generator's late rows behind the watermark", _late_events,
          variable=False, nudge="run the cells of section 3 in order: land batch 0, run, then land batch 1 and run.",
          doc=WATERMARK_DOC),
    Check("accounting", "landed = bronze + late; bronze = silver + rejects + duplicates", _accounting,
          variable=False, nudge="the reference queries must have run over every landed file (section 3)."),
    Check("gold", "the gold table equals a full recomputation from Silver", _gold, variable=False,
          nudge="the silver query refreshes the minutes each batch touched; run it to the end.", doc=MONITOR_DOC),
]
