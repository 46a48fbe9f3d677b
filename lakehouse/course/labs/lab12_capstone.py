"""Checks of lab 12 · Capstone: the whole Customer 360 from an empty lakehouse, under a time budget.

Each check is an acceptance criterion of the brief, proved by invariants rather than by
comparing code: every landed row is in Bronze (the generator's ``_manifest.json``), exactly one
current SCD2 version per live customer, ``input = valid + rejects`` per source with each reject
reason equal to the defects the generator injected, Gold revenue equal to Silver revenue to the
cent per day, one ``customer_360`` row per current customer. Where a number has no invariant,
it comes from the reference implementation (:mod:`lakehouse.c360`) run on the lab's own tables.
Every check prints the capstone clock first (:mod:`lakehouse.course.capstone`).

A failed check catches up by building the reference state (the same functions the solution
calls), so the later exercises still run.

Example:
    >>> from lakehouse.course.labs.lab12_capstone import CHECKS
    >>> [(c.name, c.points) for c in CHECKS if c.todo]   # doctest: +NORMALIZE_WHITESPACE
    [('bronze', 3), ('silver_customers', 2), ('silver_transactions', 3), ('silver_activity', 2),
     ('gold_revenue_daily', 2), ('gold_customer_360', 3)]
"""

from __future__ import annotations

import shutil

from ...c360 import bronze, gold, silver
from ..grading import Check, NotAnswered, assert_equal, expect
from ..capstone import clock_line
from . import landed_manifest, table_or_fail

AUTO_LOADER_DOC = "https://docs.databricks.com/aws/en/ingestion/cloud-object-storage/auto-loader/"
CDF_DOC = "https://docs.databricks.com/aws/en/delta/delta-change-data-feed"
AUTO_CDC_DOC = "https://docs.databricks.com/aws/en/ldp/cdc"
REPLACE_WHERE_DOC = "https://docs.databricks.com/aws/en/delta/selective-overwrite"
WINDOW_DOC = gold.WINDOW_DOC
MV_DOC = "https://docs.databricks.com/aws/en/ldp/concepts/materialized-views"

CRM_REASONS = ("malformed_json", "null_customer_id", "unknown_customer_id")
TX_REASONS = ("duplicate", "missing_field", "null_customer_id", "wrong_type", "negative_amount", "unknown_customer_id")
CLICK_REASONS = ("duplicate", "unknown_customer_id")
RESCUED = {"crm": "malformed_json", "transactions": "missing_field"}
"""The defect kind that lands in ``_rescued_data`` in Bronze, per file source."""


def table_name(ctx, layer: str, name: str) -> str:
    """Full name of a table of the capstone: ``table_name(ctx, "silver", "customers")`` -> ``...lab12.silver_customers``."""
    tables = {"bronze": bronze.TABLES, "silver": silver.TABLES, "gold": gold.table_names(layer_prefix=True)}[layer]
    return ctx.table(tables[name])


def save(df, table: str, *, source: str | None = None) -> None:
    """Overwrite ``table`` with ``df``; with ``source``, only that source's rows (``replaceWhere``).

    ``silver_rejects`` holds the rejects of every source; each Silver step replaces its own
    source's rows, so re-running one step never touches another's (Delta selective overwrite:
    https://docs.databricks.com/aws/en/delta/selective-overwrite).

    Example:
        >>> save(result.rejects, table_name(ctx, "silver", "rejects"), source="transactions")  # doctest: +SKIP
    """
    writer = df.write.format("delta").mode("overwrite")
    if source is None:
        writer = writer.option("overwriteSchema", "true")
    else:
        writer = writer.option("replaceWhere", f"source = '{source}'")
    writer.saveAsTable(table)


def landed_totals(ctx) -> dict:
    """Per source, over the batches landed so far: ``rows``, ``defects`` and (tickets) ``operations``."""
    from ...datagen import landed_batches

    manifest, totals = landed_manifest(ctx), {}
    for b in landed_batches(ctx.landing):
        for source, entry in manifest["batches"][b]["sources"].items():
            into = totals.setdefault(source, {"rows": 0, "defects": {}, "operations": {}})
            into["rows"] += entry["rows"]
            for key in ("defects", "operations"):
                for kind, n in entry.get(key, {}).items():
                    into[key][kind] = into[key].get(kind, 0) + n
    if not totals:
        raise NotAnswered("no data has landed yet: run the setup cell first")
    return totals


def _timed(test):
    """The check ``test`` with the capstone clock printed before it."""
    def timed(ctx, value, **given):
        print(clock_line(ctx))
        return test(ctx, value, **given)
    return timed


def _rejects_by_reason(ctx, source: str) -> dict:
    rejects = table_or_fail(ctx, table_name(ctx, "silver", "rejects"))
    return {r.reason: r["count"] for r in rejects.where(f"source = '{source}'").groupBy("reason").count().collect()}


def _reasons(ctx, source: str, reasons, defects: dict) -> dict:
    """Rejects per reason of ``source`` against the manifest's defects; ``AssertionError`` when they differ."""
    found = _rejects_by_reason(ctx, source)
    want = {r: defects[r] for r in reasons}
    diff = {r: (found.get(r, 0), want.get(r, 0)) for r in sorted(found.keys() | want.keys())
            if found.get(r, 0) != want.get(r, 0)}
    expect(not diff, f"{source} rejects per reason (found, manifest) differ: {diff}")
    return found


def _unique(df, key: str, what: str) -> int:
    """The rows of ``df``; ``AssertionError`` when a ``key`` value appears twice."""
    from pyspark.sql import functions as F

    rows, keys = df.agg(F.count("*"), F.countDistinct(key)).first()
    expect(rows == keys, f"{what}: {rows - keys} rows repeat a {key}")
    return rows


def _same(found, expected, what: str) -> bool:
    """``AssertionError`` unless two small DataFrames hold the same rows (one job per side, compared here)."""
    from collections import Counter

    mine, ref = Counter(map(tuple, found.collect())), Counter(map(tuple, expected.collect()))
    missing, extra = sum((ref - mine).values()), sum((mine - ref).values())
    return expect(missing == 0 and extra == 0, f"{what}: {missing} reference rows missing, {extra} rows that differ")


# TODO 1: Bronze -----------------------------------------------------------------------------------
def _bronze(ctx, value):
    from pyspark.sql import functions as F

    totals = landed_totals(ctx)
    found, want = {}, {}
    for source in bronze.TABLES:
        df = table_or_fail(ctx, table_name(ctx, "bronze", source))
        missing = {"_source_file", "_ingested_at"} - set(df.columns)
        expect(not missing, f"{bronze.TABLES[source]} lacks {sorted(missing)} (where and when each row came from)")
        found[source], rescued = df.agg(F.count("*"), F.count("_rescued_data") if "_rescued_data" in df.columns
                                        else F.lit(0)).first()
        if source == "support_tickets":
            expect("_change_type" in df.columns, "bronze_support_tickets is not the change feed (no _change_type)")
            ops = totals[source]["operations"]
            want[source] = ops["open"] + 2 * (ops["update"] + ops["close"]) + ops["delete"]
        else:
            want[source] = totals[source]["rows"]
        if source in RESCUED:
            expect("_rescued_data" in df.columns, f"{bronze.TABLES[source]} has no _rescued_data: is it Auto Loader?")
            defects = totals[source]["defects"][RESCUED[source]]
            expect(rescued == defects, f"{bronze.TABLES[source]}: {rescued} rescued rows, the manifest has "
                                       f"{defects} {RESCUED[source]} rows")
    assert_equal(found, want, "rows per Bronze table (landed rows from the manifest; tickets: change rows)")
    clicks = ctx.spark.table(table_name(ctx, "bronze", "clickstream"))
    return expect("utm_campaign" in clicks.columns,
                  "bronze_clickstream has no utm_campaign: the column a later batch adds (schema evolution)")


# TODO 2: Silver customers (SCD2) --------------------------------------------------------------------
def _customers(ctx, value):
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    df = table_or_fail(ctx, table_name(ctx, "silver", "customers"))
    expect({"__START_AT", "__END_AT"} <= set(df.columns), f"silver_customers is not SCD type 2: columns {df.columns}")
    expect("operation" not in df.columns, "silver_customers keeps the feed's operation column; leave it out")
    changes = silver.customer_changes(ctx.spark.table(table_name(ctx, "bronze", "crm"))).valid
    latest = changes.groupBy("customer_id").agg(F.max_by("operation", "sequence_num").alias("last_op"))
    live = latest.where("last_op <> 'DELETE'").count()
    current = df.where("__END_AT IS NULL")
    assert_equal({"current rows": current.count(), "customers": current.select("customer_id").distinct().count()},
                 {"current rows": live, "customers": live}, "current versions (exactly one per live customer)")
    tracked = list(silver.TRACKED_CUSTOMER_COLUMNS)
    previous = F.lag(F.struct(*tracked)).over(Window.partitionBy("customer_id").orderBy("__START_AT"))
    repeats = df.withColumn("_repeat", previous.eqNullSafe(F.struct(*tracked))).where("_repeat").count()
    expect(repeats == 0, f"{repeats} versions repeat the tracked columns of the version before "
                         f"(history only for {', '.join(tracked)})")
    _reasons(ctx, "crm", CRM_REASONS, landed_totals(ctx)["crm"]["defects"])
    return True


def _customers_reference(ctx, value):
    changes = silver.customer_changes(ctx.spark.table(table_name(ctx, "bronze", "crm")))
    silver.write_customers(ctx.spark, table_name(ctx, "silver", "customers"), changes.valid)
    save(changes.rejects, table_name(ctx, "silver", "rejects"), source="crm")


def _known(ctx):
    return silver.known_customers(ctx.spark.table(table_name(ctx, "silver", "customers")))


# TODO 3: Silver transactions and the rejects accounting ---------------------------------------------
# TODO 4: Silver clickstream and support tickets -----------------------------------------------------
def _activity(ctx, value):
    totals = landed_totals(ctx)
    clicks = table_or_fail(ctx, table_name(ctx, "silver", "clickstream"))
    need = {"event_id", "resolved_customer_id", "session_id", "is_bot"}
    expect(need <= set(clicks.columns), f"silver_clickstream lacks {sorted(need - set(clicks.columns))}")
    events = _unique(clicks, "event_id", "silver_clickstream")
    rejected = _reasons(ctx, "clickstream", CLICK_REASONS, totals["clickstream"]["defects"])
    assert_equal(events + sum(rejected.values()), ctx.spark.table(table_name(ctx, "bronze", "clickstream")).count(),
                 "silver_clickstream + rejects (Bronze rows)")
    assert_equal(clicks.where("is_bot").count(), totals["clickstream"]["defects"]["bot_event"],
                 "events flagged is_bot (the manifest's bot sessions: over 20 events a minute)")
    tickets = table_or_fail(ctx, table_name(ctx, "silver", "support_tickets"))
    expect("sentiment" in tickets.columns, "silver_support_tickets has no sentiment column")
    live = _unique(tickets, "ticket_id", "silver_support_tickets")
    ops = totals["support_tickets"]["operations"]
    unknown = _reasons(ctx, "support_tickets", ("unknown_customer_id",),
                       totals["support_tickets"]["defects"]).get("unknown_customer_id", 0)
    return assert_equal(live + unknown + ops["delete"], ops["open"],
                        "tickets live + rejected + deleted (tickets opened, from the manifest)")


# TODO 5: Gold revenue_daily -------------------------------------------------------------------------
# TODO 6: Gold customer_360 ----------------------------------------------------------------------------
def _customer_360(ctx, value):
    from pyspark.sql import functions as F

    df = table_or_fail(ctx, table_name(ctx, "gold", "customer_360"))
    s = _silver_inputs(ctx)
    current = s["customers"].where("__END_AT IS NULL").select("customer_id")
    need = {"customer_id", "lifetime_value", "orders", "segment", "churn_risk"}
    expect(need <= set(df.columns), f"gold_customer_360 lacks {sorted(need - set(df.columns))}")
    rows = _unique(df, "customer_id", "gold_customer_360")
    assert_equal(rows, current.count(), "gold_customer_360 rows (one per current customer)")
    expect(df.join(current, "customer_id", "left_anti").count() == 0,
           "gold_customer_360 has customers with no current version (deleted or a closed version)")
    as_of = gold.as_of_date(s["transactions"])
    spent = (s["transactions"].where(F.to_date("transaction_ts") <= F.lit(as_of)).join(current, "customer_id")
             .agg(F.sum("amount_usd")).first()[0])
    total = df.agg(F.sum("lifetime_value")).first()[0]
    expect(total == spent, f"sum of lifetime_value is {total}, Silver revenue of the current customers up to "
                           f"{as_of} is {spent}")
    ref = gold.customer_360(s["customers"], s["transactions"], s["clickstream"], s["support_tickets"],
                            gold.customer_segments(s["transactions"], s["customers"], as_of=as_of), as_of=as_of)
    cols = ["customer_id", F.col("orders").cast("long"), "segment", "churn_risk"]
    return _same(df.select(*cols), ref.select(*cols), "gold_customer_360 vs lakehouse.c360.gold.customer_360")

def _revenue_daily(ctx, value):
    from pyspark.sql import functions as F

    df = table_or_fail(ctx, table_name(ctx, "gold", "revenue_daily"))
    need = {"date", "region", "channel", "revenue", "orders", "revenue_7d", "revenue_30d"}
    expect(need <= set(df.columns), f"gold_revenue_daily lacks {sorted(need - set(df.columns))}")
    keys = df.select("date", "region", "channel")
    expect(keys.count() == keys.distinct().count(), "gold_revenue_daily has two rows for one (date, region, channel)")
    tx = ctx.spark.table(table_name(ctx, "silver", "transactions"))
    gold_day = df.groupBy("date").agg(F.sum("revenue").alias("gold"), F.sum("orders").alias("gold_orders"))
    silver_day = tx.groupBy(F.to_date("transaction_ts").alias("date")).agg(
        F.sum("amount_usd").alias("silver"), F.count("*").alias("silver_orders"))
    differ = (gold_day.join(silver_day, "date", "full")
              .where("NOT (gold <=> silver) OR NOT (gold_orders <=> silver_orders)").count())
    expect(differ == 0, f"{differ} days where Gold revenue or orders differ from Silver's (to the cent)")
    cols = ["date", "region", "channel", "revenue", "orders", "revenue_7d", "revenue_30d"]
    return _same(df.select(*cols), gold.revenue_daily(tx).select(*cols),
                 "gold_revenue_daily vs lakehouse.c360.gold.revenue_daily")

def _transactions(ctx, value):
    from pyspark.sql import functions as F

    df = table_or_fail(ctx, table_name(ctx, "silver", "transactions"))
    need = {"transaction_id", "customer_id", "transaction_ts", "amount_usd", "region", "channel"}
    expect(need <= set(df.columns), f"silver_transactions lacks {sorted(need - set(df.columns))}")
    valid = _unique(df, "transaction_id", "silver_transactions")
    rejected = _reasons(ctx, "transactions", TX_REASONS, landed_totals(ctx)["transactions"]["defects"])
    landed = ctx.spark.table(table_name(ctx, "bronze", "transactions")).count()
    assert_equal(valid + sum(rejected.values()), landed, "silver_transactions + rejects (Bronze rows)")
    ref = silver.transactions(ctx.spark.table(table_name(ctx, "bronze", "transactions")), _known(ctx)).valid
    totals = [F.count("*").alias("rows"), F.sum(F.col("amount_usd").cast("decimal(24,2)")).alias("amount_usd"),
              F.countDistinct("customer_id").alias("customers")]
    return assert_equal(df.agg(*totals).first().asDict(), ref.agg(*totals).first().asDict(),
                        "totals of silver_transactions (lakehouse.c360.silver.transactions has them)")


def _silver_inputs(ctx) -> dict:
    return {name: ctx.spark.table(table_name(ctx, "silver", name))
            for name in ("customers", "transactions", "clickstream", "support_tickets")}


# reference answers: make labs writes each body into the solution notebook's block
def _bronze_answer(bronze, spark, ctx):
    bronze_rows = bronze.ingest_all(spark, ctx.landing, schema=ctx.full_schema, checkpoints=ctx.path("checkpoints"),
                                    schemas=ctx.path("schemas"), query_prefix=f"lab{ctx.number}_")
    print(bronze_rows)


def _silver_customers_answer(silver, spark, BRONZE, SILVER, save):
    crm = silver.customer_changes(spark.table(BRONZE["crm"]))
    silver.write_customers(spark, SILVER["customers"], crm.valid)
    save(crm.rejects, SILVER["rejects"], source="crm")


def _silver_transactions_answer(silver, spark, SILVER, BRONZE, save):
    known = silver.known_customers(spark.table(SILVER["customers"]))
    tx_result = silver.transactions(spark.table(BRONZE["transactions"]), known)
    save(tx_result.valid, SILVER["transactions"])
    save(tx_result.rejects, SILVER["rejects"], source="transactions")


def _silver_activity_answer(silver, spark, SILVER, BRONZE, save):
    known = silver.known_customers(spark.table(SILVER["customers"]))
    clicks_result = silver.clickstream(spark.table(BRONZE["clickstream"]), known)
    tickets_result = silver.tickets(spark.table(BRONZE["support_tickets"]), known)
    for name, result in (("clickstream", clicks_result), ("support_tickets", tickets_result)):
        save(result.valid, SILVER[name])
        save(result.rejects, SILVER["rejects"], source=name)


def _gold_revenue_daily_answer(save, gold, spark, SILVER, GOLD):
    save(gold.revenue_daily(spark.table(SILVER["transactions"])), GOLD["revenue_daily"])


def _gold_customer_360_answer(spark, SILVER, gold, save, GOLD):
    s = {name: spark.table(SILVER[name]) for name in ("customers", "transactions", "clickstream", "support_tickets")}
    as_of = gold.as_of_date(s["transactions"])
    save(gold.customer_segments(s["transactions"], s["customers"], as_of=as_of), GOLD["customer_segments"])
    save(gold.customer_360(s["customers"], s["transactions"], s["clickstream"], s["support_tickets"],
                           spark.table(GOLD["customer_segments"]), as_of=as_of), GOLD["customer_360"])


CHECKS = [
    Check("bronze", "four Bronze tables hold every landed row, bad ones rescued, each file once", _timed(_bronze),
          todo=1, points=3, variable=False,
          nudge="Auto Loader (format cloudFiles, a schema location per source) for the three file sources, the "
                "tickets' Delta change feed (readChangeFeed) for the fourth; trigger availableNow and one checkpoint "
                "per stream; add _source_file and _ingested_at. Compare the row counts with the manifest.",
          doc=AUTO_LOADER_DOC,
          answer=_bronze_answer),
    Check("silver_customers", "one current SCD2 version per live customer; CRM rejects = the manifest",
          _timed(_customers), todo=2, points=2, variable=False, requires=("bronze",),
          nudge="check the feed first (typed columns, a reason per bad row), then AUTO CDC as SCD type 2: keyed by "
                "customer_id, ordered by sequence_num, DELETE rows as deletes, history only for address, tier and "
                "consent; the rejects go to silver_rejects with source 'crm'.",
          doc=AUTO_CDC_DOC,
          answer=_silver_customers_answer),
    Check("silver_transactions", "Bronze transactions = silver_transactions + rejects, each reason = the manifest",
          _timed(_transactions), todo=3, points=3, variable=False, requires=("bronze", "silver_customers"),
          nudge="first arrival of a transaction_id wins (a window), try_cast the types, amounts to USD, join the "
                "known customers; every other row goes to silver_rejects with one reason, checked in a fixed "
                "order (duplicate first).",
          doc=REPLACE_WHERE_DOC,
          answer=_silver_transactions_answer),
    Check("silver_activity", "clickstream sessionized and tickets in their latest state; every row accounted for",
          _timed(_activity), todo=4, points=2, variable=False, requires=("bronze", "silver_customers"),
          nudge="clickstream: drop re-sent event_ids, reject unknown customers, then sessions per visitor with a "
                "30-minute gap; tickets: the newest change of each ticket from the change feed, deleted ones gone. "
                "Rejects of each source into silver_rejects.",
          doc=CDF_DOC,
          answer=_silver_activity_answer),
    Check("gold_revenue_daily", "revenue per day, region and channel; Gold = Silver to the cent every day",
          _timed(_revenue_daily), todo=5, points=2, variable=False, requires=("silver_transactions",),
          nudge="aggregate Silver transactions by the day of transaction_ts, region and channel (sum of amount_usd, "
                "a DECIMAL), then rolling 7- and 30-day sums with a RANGE window over the day number.",
          doc=WINDOW_DOC,
          answer=_gold_revenue_daily_answer),
    Check("gold_customer_360", "one customer_360 row per current customer; lifetime value = Silver revenue",
          _timed(_customer_360), todo=6, points=3, variable=False,
          requires=("silver_customers", "silver_transactions", "silver_activity"),
          nudge="start from the current SCD2 versions only; aggregate each fact table per customer before joining "
                "(value, web sessions, tickets), add the RFM segment, and compute up to the reporting date, the "
                "last day with a transaction.",
          doc=MV_DOC,
          answer=_gold_customer_360_answer),
]
