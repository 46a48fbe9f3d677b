"""Checks of lab 02 · Auto Loader into Bronze: inference, hints, rescued data, evolution modes,
triggers, exactly once, the tickets' change feed — every count against the generator's manifest.

Example:
    >>> from lakehouse.course.labs.lab02_auto_loader_bronze import CHECKS
    >>> [c.name for c in CHECKS if c.todo]
    ['crm_stream', 'crm_typed', 'rescued', 'bronze_transactions', 'clicks_rescue', 'restart_query', 'bronze_support_tickets']
"""

from __future__ import annotations

import os
from pathlib import Path

from ...c360 import bronze
from ..grading import Check, assert_equal, expect
from . import dataframe_or_fail, landed_manifest, table_or_fail

OPTIONS_DOC = "https://docs.databricks.com/aws/en/ingestion/cloud-object-storage/auto-loader/options"
SCHEMA_DOC = "https://docs.databricks.com/aws/en/ingestion/cloud-object-storage/auto-loader/schema"
TRIGGERS_DOC = "https://docs.databricks.com/aws/en/structured-streaming/triggers"
CHECKPOINTS_DOC = "https://docs.databricks.com/aws/en/structured-streaming/checkpoints"
CDF_DOC = "https://docs.databricks.com/aws/en/delta/delta-change-data-feed"
# What the manifest says about the batches landed so far -----------------------------------------
def expected(ctx, source: str, what: str = "rows") -> int:
    """Rows (or one defect kind) of ``source`` over the landed batches, from the manifest."""
    from ...datagen import landed_batches

    manifest, total = landed_manifest(ctx), 0
    for b in landed_batches(ctx.landing):
        entry = manifest["batches"][b]["sources"][source]
        total += entry[what] if what in entry else entry["defects"][what]
    return total


def expected_ticket_changes(ctx) -> int:
    """Change-feed rows of the landed tickets: an update or a close is a pre- and a post-image."""
    from ...datagen import landed_batches

    manifest, ops = landed_manifest(ctx), {"open": 0, "update": 0, "close": 0, "delete": 0}
    for b in landed_batches(ctx.landing):
        for kind, n in manifest["batches"][b]["sources"]["support_tickets"]["operations"].items():
            ops[kind] += n
    return ops["open"] + 2 * (ops["update"] + ops["close"]) + ops["delete"]


def _files_match(ctx, table: str, source: str) -> bool:
    from pyspark.sql import functions as F

    from ...datagen import landed_batches

    manifest = landed_manifest(ctx)
    want = {os.path.basename(f["path"]): f["rows"] for b in landed_batches(ctx.landing)
            for f in manifest["batches"][b]["sources"][source]["files"] if f["rows"]}
    name = F.element_at(F.split("_source_file", "/"), -1).alias("file")
    found = {r.file: r["count"] for r in table_or_fail(ctx, table).groupBy(name).count().collect()}
    diff = {f: (found.get(f), want.get(f)) for f in sorted(found.keys() | want.keys()) if found.get(f) != want.get(f)}
    return expect(not diff, f"rows per file (found, manifest) differ: {dict(list(diff.items())[:3])}")


def _bronze(ctx, source: str) -> str:
    return ctx.table(bronze.TABLES[source])


# TODO 1 ---------------------------------------------------------------------------------------------
def _all_strings(data_type) -> bool:
    if hasattr(data_type, "fields"):
        return all(_all_strings(f.dataType) for f in data_type.fields)
    return data_type.simpleString() == "string"


def _crm_stream(ctx, value):
    dataframe_or_fail(value, "crm_stream", streaming=True)
    typed = [f"{f.name} {f.dataType.simpleString()}" for f in value.schema.fields
             if not f.name.startswith("_") and not _all_strings(f.dataType)]
    expect(not typed, f"not strings: {typed} (leave cloudFiles.inferColumnTypes off here)")
    expect("_rescued_data" in value.columns, "no _rescued_data column: is it format(\"cloudFiles\")?")
    return expect(Path(ctx.schema_location("crm"), "_schemas", "0").is_file(),
                  "no _schemas/0 in ctx.schema_location('crm'): set cloudFiles.schemaLocation to it")


# TODO 2 ---------------------------------------------------------------------------------------------
WANTED_TYPES = {"sequence_num": "bigint", "marketing_consent": "boolean", "updated_at": "timestamp",
                "signup_date": "date"}


def _crm_typed(ctx, value):
    dataframe_or_fail(value, "crm_typed", streaming=True)
    types = {f.name: f.dataType.simpleString() for f in value.schema.fields}
    return assert_equal({k: types.get(k) for k in WANTED_TYPES}, WANTED_TYPES, "column types")


# TODO 3 ---------------------------------------------------------------------------------------------
def _rescued(ctx, value):
    dataframe_or_fail(value, "rescued", streaming=False)
    expect("corrupt_record" in value.columns, f"rescued needs a corrupt_record column (it has {value.columns})")
    found, want = value.count(), expected(ctx, "crm", "malformed_json")
    expect(found == want, f"{found} rescued rows, the manifest has {want} malformed_json lines")
    return expect(value.where("corrupt_record IS NULL").count() == 0, "some rows have no corrupt_record")


# TODO 4 ---------------------------------------------------------------------------------------------
def _bronze_transactions(ctx, value):
    table = table_or_fail(ctx, _bronze(ctx, "transactions"))
    expect("_source_file" in table.columns, "no _source_file column: use with_ingest_metadata")
    rows, want = table.count(), expected(ctx, "transactions")
    expect(rows == want, f"{rows} rows, the manifest has {want}")
    short, want_short = table.where("_rescued_data IS NOT NULL").count(), expected(ctx, "transactions", "missing_field")
    return expect(short == want_short, f"{short} rescued rows, the manifest has {want_short} rows with a missing field")


# state checks of demo cells -----------------------------------------------------------------------
def _bronze_crm(ctx, value):
    return assert_equal(table_or_fail(ctx, _bronze(ctx, "crm")).count(), expected(ctx, "crm"), "rows in bronze_crm")


def _tx_typed(ctx, value):
    table = table_or_fail(ctx, ctx.table("tx_typed"))
    want = (expected(ctx, "transactions"),
            expected(ctx, "transactions", "wrong_type") + expected(ctx, "transactions", "missing_field"))
    return assert_equal((table.count(), table.where("_rescued_data IS NOT NULL").count()), want, "(rows, rescued rows)")


def _bronze_clickstream(ctx, value):
    table = table_or_fail(ctx, _bronze(ctx, "clickstream"))
    expect("utm_campaign" in table.columns, "no utm_campaign column yet: restart the stream after the stop")
    return assert_equal(table.count(), expected(ctx, "clickstream"), "rows in bronze_clickstream")


# TODO 5 ---------------------------------------------------------------------------------------------
def _clicks_rescue(ctx, value):
    from pyspark.sql import functions as F

    table = table_or_fail(ctx, ctx.table("clicks_rescue"))
    expect("utm_campaign" not in table.columns,
           "rescue mode never adds a column: is cloudFiles.schemaEvolutionMode 'rescue'?")
    campaign = F.get_json_object("_rescued_data", "$.utm_campaign")
    in_rescued = table.where(campaign.isNotNull()).count()
    files = table.select("_source_file").distinct()
    in_bronze = (ctx.spark.table(_bronze(ctx, "clickstream")).where("utm_campaign IS NOT NULL")
                 .join(files, "_source_file").count())
    expect(in_rescued == in_bronze > 0, f"{in_rescued} campaigns rescued, Bronze has {in_bronze} for the same files")
    return assert_equal(table.count(), expected(ctx, "clickstream"), "rows in clicks_rescue")


# section 7: a continuous stream ---------------------------------------------------------------------
def _live(ctx, value):
    return assert_equal(table_or_fail(ctx, _bronze(ctx, "transactions")).count(), expected(ctx, "transactions"),
                        "rows in bronze_transactions")


# TODO 6 ---------------------------------------------------------------------------------------------
def _restart(ctx, value, *, throttled=None):
    expect(hasattr(value, "awaitTermination"), f"restart_query is a {type(value).__name__}, expected a StreamingQuery")
    return _files_match(ctx, ctx.table("tx_throttled"), "transactions")


# TODO 7 ---------------------------------------------------------------------------------------------
def _all_bronze(ctx, value):
    found = {s: table_or_fail(ctx, _bronze(ctx, s)).count() for s in bronze.TABLES}
    want = {s: expected_ticket_changes(ctx) if s == "support_tickets" else expected(ctx, s) for s in bronze.TABLES}
    return assert_equal(found, want, "rows per Bronze table")


def _tickets(ctx, value):
    table = table_or_fail(ctx, _bronze(ctx, "support_tickets"))
    missing = {"_change_type", "_commit_version", "_source_file", "_ingested_at"} - set(table.columns)
    expect(not missing, f"missing columns: {sorted(missing)}")
    return assert_equal(table.count(), expected_ticket_changes(ctx), "change rows in bronze_support_tickets")


# reference answers: make labs writes each body into the solution notebook's block
def _crm_stream_answer(spark, ctx, crm_path):
    crm_stream = (spark.readStream.format("cloudFiles")
                  .option("cloudFiles.format", "json")
                  .option("cloudFiles.schemaLocation", ctx.schema_location("crm"))
                  .load(crm_path))
    return crm_stream


def _crm_typed_answer(spark, ctx, crm_path):
    crm_typed = (spark.readStream.format("cloudFiles")
                 .option("cloudFiles.format", "json")
                 .option("cloudFiles.schemaLocation", ctx.schema_location("crm_typed"))
                 .option("cloudFiles.inferColumnTypes", "true")
                 .option("cloudFiles.schemaHints", "updated_at timestamp, signup_date date")
                 .load(crm_path))
    return crm_typed


def _rescued_answer(spark, BRONZE, F):
    rescued = (spark.table(BRONZE["crm"])
               .where("_rescued_data IS NOT NULL")
               .select("_source_file",
                       F.get_json_object("_rescued_data", "$._corrupt_record").alias("corrupt_record")))
    return rescued


def _bronze_transactions_answer(spark, ctx, tx_path, with_ingest_metadata, BRONZE):
    tx_query = (spark.readStream.format("cloudFiles")
                .option("cloudFiles.format", "csv")
                .option("header", "true")
                .option("cloudFiles.schemaLocation", ctx.schema_location("transactions"))
                .load(tx_path)
                .transform(with_ingest_metadata)
                .writeStream
                .format("delta")
                .option("checkpointLocation", ctx.checkpoint("bronze_transactions"))
                .option("mergeSchema", "true")
                .trigger(availableNow=True)
                .queryName(ctx.query_name("bronze_transactions"))
                .toTable(BRONZE["transactions"]))
    tx_query.awaitTermination()


def _clicks_rescue_answer(clickstream_reader, with_ingest_metadata, ctx):
    rescue_query = (clickstream_reader("rescue")
                    .transform(with_ingest_metadata)
                    .writeStream.format("delta")
                    .option("checkpointLocation", ctx.checkpoint("clicks_rescue"))
                    .trigger(availableNow=True)
                    .queryName(ctx.query_name("clicks_rescue"))
                    .toTable(ctx.table("clicks_rescue")))
    rescue_query.awaitTermination()


def _restart_query_answer(throttled, ctx):
    restart_query = (throttled.writeStream.format("delta")
                     .option("checkpointLocation", ctx.checkpoint("tx_throttled"))
                     .trigger(availableNow=True)
                     .queryName(ctx.query_name("tx_throttled"))
                     .toTable(ctx.table("tx_throttled")))
    restart_query.awaitTermination()
    return restart_query


def _bronze_support_tickets_answer(spark, tickets_path, F, ctx, BRONZE):
    tickets_query = (spark.readStream.format("delta")
                     .option("readChangeFeed", "true")
                     .option("startingVersion", 0)
                     .load(tickets_path)
                     .withColumn("_source_file", F.lit(tickets_path))
                     .withColumn("_ingested_at", F.current_timestamp())
                     .writeStream.format("delta")
                     .option("checkpointLocation", ctx.checkpoint("bronze_support_tickets"))
                     .trigger(availableNow=True)
                     .queryName(ctx.query_name("bronze_support_tickets"))
                     .toTable(BRONZE["support_tickets"]))
    tickets_query.awaitTermination()


CHECKS = [
    Check("crm_stream", "an Auto Loader stream over the CRM JSON, schema stored", _crm_stream, todo=1,
          nudge="Auto Loader is the streaming format \"cloudFiles\": set cloudFiles.format to the files' format and "
                "cloudFiles.schemaLocation to ctx.schema_location(\"crm\"), then load crm_path.",
          doc=OPTIONS_DOC,
          answer=_crm_stream_answer),
    Check("bronze_crm", "bronze_crm holds every landed CRM line", _bronze_crm, variable=False, requires=("crm_stream",),
          nudge="run the cells above in order; crm_stream must read crm_path with Auto Loader.", doc=OPTIONS_DOC),
    Check("crm_typed", "inferred types plus two schema hints", _crm_typed, todo=2,
          nudge="two cloudFiles options: one turns type inference on for JSON, one pins the types of named columns "
                "(\"column type, ...\"); give this stream its own schema location.",
          doc=SCHEMA_DOC,
          answer=_crm_typed_answer),
    Check("rescued", "every malformed CRM line is in Bronze, with its raw text", _rescued, todo=3,
          requires=("bronze_crm",),
          nudge="the rows that have rescued data; that column is a JSON string, and "
                "F.get_json_object reads one field of it (the raw line is under _corrupt_record).",
          doc=SCHEMA_DOC,
          answer=_rescued_answer),
    Check("bronze_transactions", "bronze_transactions holds every CSV row", _bronze_transactions, variable=False,
          todo=4,
          nudge="the CRM stream of sections 2 and 'Write it to Bronze', for CSV: the reader option header, its own "
                "schema location and checkpoint, the availableNow trigger, then wait for the query.",
          doc=OPTIONS_DOC,
          answer=_bronze_transactions_answer),
    Check("tx_typed", "typed transactions: wrong types and short rows rescued, none dropped", _tx_typed,
          variable=False, nudge="run the cell again; the schema hints must be 'amount double, quantity int'.",
          doc=SCHEMA_DOC),
    Check("bronze_clickstream", "bronze_clickstream has utm_campaign and every landed event", _bronze_clickstream,
          variable=False,
          nudge="run the restart cell again: a stream stopped by addNewColumns picks the column up when restarted.",
          doc=SCHEMA_DOC),
    Check("clicks_rescue", "campaigns rescued, schema unchanged", _clicks_rescue, variable=False, todo=5,
          nudge="a streaming write like the Bronze ones, from clickstream_reader(\"rescue\") through "
                "with_ingest_metadata, with its own checkpoint, into ctx.table(\"clicks_rescue\").",
          doc=SCHEMA_DOC,
          answer=_clicks_rescue_answer),
    Check("live_stream", "the continuous stream picked the new day up", _live, variable=False,
          requires=("bronze_transactions",),
          nudge="run the two cells above again: the stream must be running while the batch lands.", doc=TRIGGERS_DOC),
    Check("restart_query", "every file exactly once after the restart", _restart, todo=6,
          nudge="the same writeStream as first_run — same checkpointLocation, query name and table — with the trigger "
                "that processes what is there and stops; then wait for it.",
          doc=CHECKPOINTS_DOC,
          answer=_restart_query_answer),
    Check("bronze_crm_exactly_once", "every landed CRM file exactly once",
          lambda ctx, value: _files_match(ctx, _bronze(ctx, "crm"), "crm"), variable=False, requires=("bronze_crm",),
          nudge="never delete the checkpoint of a running Bronze stream; run from the top with RESET=True to start "
                "over.", doc=CHECKPOINTS_DOC),
    Check("bronze_support_tickets", "bronze_support_tickets holds the whole change feed", _tickets, variable=False,
          todo=7,
          nudge="a Delta table's change feed is a stream too: format(\"delta\") with the options readChangeFeed and "
                "startingVersion, load(tickets_path); add _source_file and _ingested_at, then write it like the "
                "other Bronze streams.",
          doc=CDF_DOC,
          answer=_bronze_support_tickets_answer),
    Check("bronze_vs_manifest", "every Bronze table matches the manifest", _all_bronze, variable=False,
          requires=("bronze_crm", "bronze_transactions", "bronze_clickstream", "bronze_support_tickets"),
          nudge="run the lab from the top with RESET=True; a stream with a deleted checkpoint reads its files twice.",
          doc=CHECKPOINTS_DOC),
]
