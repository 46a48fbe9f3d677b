"""Checks of lab 04 · Silver transforms: SCD2 customers, dedup with a window, try_cast typing,
reject reasons, sessionization, the tickets' latest state, the accounting, the reference Silver.

Example:
    >>> from lakehouse.course.labs.lab04_silver_transforms import CHECKS
    >>> [c.name for c in CHECKS if c.todo]
    ['customers_scd2', 'tx_numbered', 'tx_typed', 'tx_reason', 'sessionized', 'ticket_latest']
"""

from __future__ import annotations

from ...c360 import silver
from ..grading import Check, NotAnswered, assert_equal, expect
from . import dataframe_or_fail, same_rows, table_or_fail

APPLY_CHANGES_DOC = "https://docs.databricks.com/aws/en/ldp/developer/ldp-python-ref-apply-changes"
WINDOW_DOC = "https://docs.databricks.com/aws/en/sql/language-manual/sql-ref-window-functions"
TRY_CAST_DOC = "https://docs.databricks.com/aws/en/sql/language-manual/functions/try_cast"
CASE_DOC = "https://docs.databricks.com/aws/en/sql/language-manual/functions/case"
SESSION_DOC = "https://docs.databricks.com/aws/en/sql/language-manual/functions/session_window"
CDF_DOC = "https://docs.databricks.com/aws/en/delta/delta-change-data-feed"
TRACKED = ["address", "loyalty_tier", "marketing_consent"]


def _count_by(df, column: str) -> dict:
    return {r[column]: r["count"] for r in df.groupBy(column).count().collect()}


# TODO 1 -----------------------------------------------------------------------------------------
def _customers(ctx, value, *, table, crm_changes):
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    if not ctx.spark.catalog.tableExists(table):
        raise NotAnswered(f"{table.split('.')[-1]} is not written yet: call apply_changes")
    df = ctx.spark.table(table)
    expect({"__START_AT", "__END_AT"} <= set(df.columns), f"columns are {df.columns} (SCD type 2?)")
    latest = crm_changes.groupBy("customer_id").agg(F.max_by("operation", "sequence_num").alias("last_op"))
    live = latest.where("last_op <> 'DELETE'").count()
    current = df.where("__END_AT IS NULL")
    expect(current.count() == live, f"{current.count()} current versions, expected {live} (one per live customer)")
    expect(current.select("customer_id").distinct().count() == live, "a customer has two current versions")
    previous = F.lag(F.struct(*TRACKED)).over(Window.partitionBy("customer_id").orderBy("__START_AT"))
    repeats = df.withColumn("_repeat", previous.eqNullSafe(F.struct(*TRACKED))).where("_repeat").count()
    return expect(repeats == 0, f"{repeats} versions repeat the tracked values of the previous one "
                                "(track_history_column_list?)")


def _customers_reference(ctx, value, *, table, crm_changes):
    from ...cdc import apply_changes

    ctx.spark.sql(f"DROP TABLE IF EXISTS {table}")
    apply_changes(table, crm_changes, keys=["customer_id"], sequence_by="sequence_num",
                  apply_as_deletes="operation = 'DELETE'", except_column_list=["operation"],
                  stored_as_scd_type=2, track_history_column_list=TRACKED)


# TODO 2 -----------------------------------------------------------------------------------------
def _tx_numbered(ctx, value, *, bronze_tx, totals):
    dataframe_or_fail(value, "tx_numbered", streaming=False)
    expect("_n" in value.columns, f"tx_numbered has no column _n (it has {value.columns})")
    return assert_equal({"rows": value.count(), "_n > 1": value.where("_n > 1").count()},
                        {"rows": bronze_tx.count(), "_n > 1": totals["transactions"]["defects"]["duplicate"]},
                        "tx_numbered")


# TODO 3 -----------------------------------------------------------------------------------------
def type_transactions(df, usd_rates):
    """The reference typing: ``_ts``, ``_amount``, ``_qty``, ``_rate``, ``amount_usd``."""
    from pyspark.sql import functions as F

    return (df.withColumn("_ts", F.expr("try_to_timestamp(transaction_ts)"))
            .withColumn("_amount", F.expr("try_cast(amount AS DECIMAL(12,2))"))
            .withColumn("_qty", F.expr("try_cast(quantity AS INT)"))
            .withColumn("_rate", usd_rates[F.col("currency")])
            .withColumn("amount_usd", (F.col("_amount") * F.col("_rate")).cast("decimal(14,2)")))


def _typed_totals(df) -> dict:
    from pyspark.sql import functions as F

    missing = {"_ts", "_amount", "_qty", "_rate", "amount_usd"} - set(df.columns)
    expect(not missing, f"tx_typed lacks the columns {sorted(missing)}")
    return df.agg(F.count_if(F.col("_ts").isNull()).alias("bad_ts"),
                  F.count_if(F.col("_amount").isNull()).alias("bad_amount"),
                  F.count_if(F.col("_qty").isNull()).alias("bad_qty"), F.sum("_qty").alias("quantity"),
                  F.sum("amount_usd").alias("amount_usd")).first().asDict()


def _tx_typed(ctx, value, *, tx_numbered, usd_rates):
    dataframe_or_fail(value, "tx_typed", streaming=False)
    return assert_equal(_typed_totals(value), _typed_totals(type_transactions(tx_numbered, usd_rates)),
                        "totals of tx_typed")


# TODO 4 -----------------------------------------------------------------------------------------
TX_REASONS = ("duplicate", "missing_field", "null_customer_id", "wrong_type", "negative_amount", "unknown_customer_id")


def _tx_reason(ctx, value, *, tx_joined, totals):
    expect(type(value).__name__ == "Column",  # (Connect's Column answers hasattr for any name)
           f"tx_reason is a {type(value).__name__}, expected a Column (F.when(...).when(...))")
    found = {r: n for r, n in _count_by(tx_joined.withColumn("reason", value), "reason").items() if r is not None}
    return assert_equal(found, {r: totals["transactions"]["defects"][r] for r in TX_REASONS}, "rejects per reason")


# TODO 5 -----------------------------------------------------------------------------------------
def _sessionized(ctx, value, *, visitors, clean_events):
    dataframe_or_fail(value, "sessionized", streaming=False)
    expect("session_number" in value.columns, f"sessionized has no session_number column ({value.columns})")
    want = silver.sessionize(clean_events).select("session_id").distinct().count()
    return assert_equal(value.select("visitor", "session_number").distinct().count(), want,
                        "sessions (distinct visitor, session_number)")


# TODO 6 -----------------------------------------------------------------------------------------
def ticket_latest_reference(bronze_tickets):
    """The latest state of each ticket still there, from the change feed rows."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    w = Window.partitionBy("ticket_id").orderBy(F.col("_commit_version").desc())
    return (bronze_tickets.where("_change_type <> 'update_preimage'").withColumn("_n", F.row_number().over(w))
            .where("_n = 1 AND _change_type <> 'delete'"))


def _ticket_counts(df) -> dict:
    return {"rows": df.count(), "tickets": df.select("ticket_id").distinct().count(), "status": _count_by(df, "status")}


def _ticket_latest(ctx, value, *, bronze_tickets, totals):
    dataframe_or_fail(value, "ticket_latest", streaming=False)
    ops = totals["support_tickets"]["operations"]
    live = ops["open"] - ops["delete"]
    want = {"rows": live, "tickets": live, "status": _count_by(ticket_latest_reference(bronze_tickets), "status")}
    return assert_equal(_ticket_counts(value), want, "ticket_latest")


# demo and comparison checks -----------------------------------------------------------------------
def _same_sessions(ctx, value, *, session_window_sessions, gap_rule_sessions):
    return assert_equal(session_window_sessions, gap_rule_sessions, "session_window sessions")


def _accounting(ctx, value, *, accounting):
    return assert_equal(accounting.loc[~accounting["match"], "line"].tolist(), [], "lines that do not add up")


COMPARE = {
    "customers": ["customer_id", "__START_AT", "__END_AT", "email", "address", "loyalty_tier", "marketing_consent"],
    "transactions": ["transaction_id", "customer_id", "transaction_ts", "amount", "amount_usd", "quantity",
                     "loyalty_tier"],
    "clickstream": ["event_id", "event_ts", "resolved_customer_id", "session_id", "session_start", "is_bot"],
    "support_tickets": ["ticket_id", "status", "csat", "sentiment", "loyalty_tier", "source_version"],
}


def _same_as_reference(name: str):
    def test(ctx, value):
        mine = table_or_fail(ctx, ctx.table(f"my_{silver.TABLES[name]}"))
        ref = table_or_fail(ctx, ctx.table(silver.TABLES[name]))
        if name == "rejects":
            from pyspark.sql import functions as F

            key = F.concat_ws(":", "source", "reason").alias("r")
            return assert_equal(_count_by(mine.select(key), "r"), _count_by(ref.select(key), "r"),
                                "rejects per source:reason")
        return same_rows(mine.select(*COMPARE[name]), ref.select(*COMPARE[name]), f"rows of my_{silver.TABLES[name]}")
    return test


_COMPARE_NUDGES = {
    "customers": "TODO 1: keys, sequence_by, apply_as_deletes and track_history_column_list=TRACKED.",
    "transactions": "TODOs 2-4: first arrival wins, try_cast types, the USD rate, and the reasons.",
    "clickstream": "TODO 5: the visitor window ordered by event_ts then event_id, a new session after more than "
                   "30 minutes.",
    "support_tickets": "TODO 6: skip update_preimage rows, newest _commit_version first, drop deleted tickets.",
    "rejects": "the reasons of TODO 4, in the order of the table in section 2.",
}
_COMPARE_REQUIRES = {  # the exercises each comparison builds on
    "customers": ("customers_scd2",),
    "transactions": ("tx_numbered", "tx_typed", "tx_reason"),
    "clickstream": ("sessionized",),
    "support_tickets": ("ticket_latest",),
    "rejects": ("tx_reason",),
}

# reference answers: make labs writes each body into the solution notebook's block
def _customers_scd2_answer(apply_changes, customers_table, crm_changes, TRACKED):
    customers_result = apply_changes(
        customers_table, crm_changes,
        keys=["customer_id"],
        sequence_by="sequence_num",
        apply_as_deletes="operation = 'DELETE'",
        except_column_list=["operation"],
        stored_as_scd_type=2,
        track_history_column_list=TRACKED,
    )


def _tx_numbered_answer(Window, bronze_tx, F):
    first_arrival = Window.partitionBy("transaction_id").orderBy("_ingested_at", "_source_file")
    tx_numbered = bronze_tx.withColumn("_n", F.row_number().over(first_arrival))
    return tx_numbered


def _tx_typed_answer(tx_numbered, F, usd_rates):
    tx_typed = (tx_numbered
                .withColumn("_ts", F.expr("try_to_timestamp(transaction_ts)"))
                .withColumn("_amount", F.expr("try_cast(amount AS DECIMAL(12,2))"))
                .withColumn("_qty", F.expr("try_cast(quantity AS INT)"))
                .withColumn("_rate", usd_rates[F.col("currency")])
                .withColumn("amount_usd", (F.col("_amount") * F.col("_rate")).cast("decimal(14,2)")))
    return tx_typed


def _tx_reason_answer(F):
    tx_reason = (F.when(F.col("_n") > 1, "duplicate")
                 .when(F.col("_rescued_data").isNotNull() | F.col("region").isNull(), "missing_field")
                 .when(F.col("customer_id").isNull(), "null_customer_id")
                 .when(F.col("_ts").isNull() | F.col("_amount").isNull() | F.col("_qty").isNull(), "wrong_type")
                 .when(F.col("_amount") < 0, "negative_amount")
                 .when(F.col("_rate").isNull(), "unknown_currency")
                 .when(F.col("_known").isNull(), "unknown_customer_id"))
    return tx_reason


def _sessionized_answer(Window, F, visitors, SESSION_GAP_MINUTES):
    by_visitor = Window.partitionBy("visitor").orderBy("event_ts", "event_id")
    epoch_s = F.col("event_ts").cast("long")
    sessionized = (visitors
                   .withColumn("gap_s", epoch_s - F.lag(epoch_s).over(by_visitor))
                   .withColumn("new_session",
                               F.when(F.col("gap_s").isNull() | (F.col("gap_s") > SESSION_GAP_MINUTES * 60), 1).otherwise(0))
                   .withColumn("session_number",
                               F.sum("new_session").over(by_visitor.rowsBetween(Window.unboundedPreceding, Window.currentRow))))
    return sessionized


def _ticket_latest_answer(Window, F, bronze_tickets):
    newest_first = Window.partitionBy("ticket_id").orderBy(F.col("_commit_version").desc())
    ticket_latest = (bronze_tickets.where("_change_type <> 'update_preimage'")
                     .withColumn("_n", F.row_number().over(newest_first))
                     .where("_n = 1 AND _change_type <> 'delete'"))
    return ticket_latest


CHECKS = [
    Check("customers_scd2", "my_silver_customers is SCD2 with history of address, tier and consent", _customers,
          variable=False, todo=1,
          nudge="apply_changes as in lab 03, plus track_history_column_list: only changes of those columns open a "
                "new version; the column operation stays out of the table.",
          doc=APPLY_CHANGES_DOC,
          answer=_customers_scd2_answer),
    Check("tx_numbered", "the duplicates are numbered (as many as the generator made)", _tx_numbered, todo=2,
          nudge="row_number() over a window partitioned by the key and ordered by arrival (_ingested_at, then "
                "_source_file), in a column _n.",
          doc=WINDOW_DOC,
          answer=_tx_numbered_answer),
    Check("tx_typed", "tx_typed has _ts, _amount, _qty, _rate and amount_usd", _tx_typed, todo=3,
          requires=("tx_numbered",),
          nudge="try_to_timestamp and try_cast return NULL instead of failing (a SQL expression, F.expr); a "
                "map column is indexed by a column to look the rate up; amount_usd is the product as a decimal.",
          doc=TRY_CAST_DOC,
          answer=_tx_typed_answer),
    Check("tx_reason", "transaction rejects per reason match the manifest", _tx_reason, todo=4,
          requires=("customers_scd2", "tx_typed"),
          nudge="one chain F.when(condition, \"reason\").when(...) in the order of the table above: the first "
                "condition that holds names the reason; no .otherwise (a valid row has no reason).",
          doc=CASE_DOC,
          answer=_tx_reason_answer),
    Check("sessionized", "the gap rule finds the reference's sessions", _sessionized, todo=5,
          requires=("customers_scd2",),
          nudge="per visitor in time order: the gap to the previous event (F.lag), a new session when there is none "
                "or it is over SESSION_GAP_MINUTES, and a running F.sum of new_session (rowsBetween).",
          doc=WINDOW_DOC,
          answer=_sessionized_answer),
    Check("session_window", "the gap rule and session_window find the same sessions", _same_sessions,
          variable=False, requires=("sessionized",),
          nudge="both use the visitor key and 30 minutes; run the cells of section 3 in order.",
          doc=SESSION_DOC),
    Check("ticket_latest", "one row per live ticket, in its latest state", _ticket_latest, todo=6,
          nudge="leave the pre-images out, number each ticket's changes newest _commit_version first "
                "(row_number), keep the newest unless it is a delete.",
          doc=CDF_DOC,
          answer=_ticket_latest_answer),
    Check("accounting", "input = valid + rejects, each reason = the manifest", _accounting, variable=False,
          requires=("customers_scd2", "tx_reason", "sessionized", "ticket_latest"),
          nudge="the reasons of TODO 4 (their order matters), and the dedup of TODO 2."),
    *[Check(f"my_silver_{name}", f"my_{silver.TABLES[name]} = {silver.TABLES[name]}", _same_as_reference(name),
            variable=False, nudge=nudge, requires=_COMPARE_REQUIRES[name]) for name, nudge in _COMPARE_NUDGES.items()],
]
