"""Checks of lab 03 · MERGE, CDC and SCD2: upserts, schema evolution in MERGE, snapshot sync,
one change per key, the sequence guard, SCD2 from the log, AUTO CDC on the real CRM feed.

Example:
    >>> from lakehouse.course.labs.lab03_merge_cdc_scd2 import CHECKS
    >>> [c.name for c in CHECKS if c.todo]
    ['customers_upsert', 'loyalty_points', 'snapshot_sync', 'latest_per_key', 'guarded_merge', 'scd2_from_log', 'apply_crm_batch']
"""

from __future__ import annotations

from ..answers import SqlAnswer
from ..grading import Check, NotAnswered, assert_equal, expect
from . import dataframe_or_fail, same_rows, table_or_fail

MERGE_DOC = "https://docs.databricks.com/aws/en/delta/merge"
MERGE_SQL_DOC = "https://docs.databricks.com/aws/en/sql/language-manual/delta-merge-into"
WINDOW_DOC = "https://docs.databricks.com/aws/en/sql/language-manual/sql-ref-window-functions"
AUTO_CDC_DOC = "https://docs.databricks.com/aws/en/ldp/cdc"
APPLY_CHANGES_DOC = "https://docs.databricks.com/aws/en/ldp/developer/ldp-python-ref-apply-changes"


def rows(df, *columns) -> list[tuple]:
    """Rows of a DataFrame as tuples in a stable order (None last), for == comparisons."""
    tuples = [tuple(r) for r in df.select(*(columns or ["*"])).collect()]
    return sorted(tuples, key=lambda row: tuple((v is None, 0 if v is None else v) for v in row))


# TODO 1-3: MERGE ------------------------------------------------------------------------------------
EXPECTED_UPSERT = [
    (1, "Ada", "ada@example.com", "London", "gold"),
    (2, "Grace", "grace@navy.example", "New York", "gold"),
    (3, "Linus", "linus@example.com", "Portland", "bronze"),
    (4, "Margaret", "margaret@example.com", "Boston", "gold"),
    (5, "Alan", "alan@example.com", "Manchester", "silver"),
    (6, "Katherine", "katherine@example.com", "Hampton", "bronze"),
]


def _same_customers(found: list[tuple], want: list[tuple]) -> bool:
    """``AssertionError`` naming the customer ids whose rows differ (not every row: the FAIL stays short)."""
    differ = sorted({r[0] for r in set(found) ^ set(want)})
    return expect(not differ, f"the rows of customer_id {', '.join(map(str, differ))} are not as expected")


def _upserted(ctx, value, *, table):
    return _same_customers(rows(table_or_fail(ctx, table)), EXPECTED_UPSERT)


def _loyalty(ctx, value, *, table):
    df = table_or_fail(ctx, table)
    expect("loyalty_points" in df.columns, f"no loyalty_points column yet: the columns are {df.columns}")
    return same_rows(df.where("loyalty_points IS NOT NULL").select("customer_id", "loyalty_points"),
                     [(1, 1200), (4, 5400), (7, 80)], "customers with points")


def _synced(ctx, value, *, table):
    return _same_customers(rows(table_or_fail(ctx, table)), rows(ctx.spark.table("crm_snapshot")))


# TODO 4: one row per key ------------------------------------------------------------------------
def _latest_per_key(ctx, value, *, batch_2):
    found = value(batch_2)
    if found is None:
        raise NotAnswered("latest_per_key returned None: it is not written yet")
    dataframe_or_fail(found, "latest_per_key(batch_2)")
    assert_equal(found.columns, batch_2.columns, "columns of latest_per_key(batch_2)")
    return same_rows(found.select("customer_id", "operation", "seq"),
                     [(2, "UPDATE", 10), (3, "UPDATE", 7), (5, "DELETE", 11), (6, "INSERT", 8)],
                     "(customer_id, operation, seq) of batch 2")


# TODO 5: the sequence guard ---------------------------------------------------------------------
def _guarded(ctx, value, *, table, batches=None, truth):
    found = rows(table_or_fail(ctx, table).where("customer_id <> 5"))
    expect(found, f"{table.split('.')[-1]} is empty: guarded_merge wrote nothing")
    return _same_customers(found, rows(truth))


def _replay(ctx, value, *, table, before):
    return same_rows(ctx.spark.table(table), before, f"{table.split('.')[-1]} after the replay")


# TODO 6: SCD2 from the log ----------------------------------------------------------------------
SCD2_COLUMNS = ("userId", "name", "city", "__START_AT", "__END_AT")


def _scd2(ctx, value, *, users_log, reference):
    found = value(users_log)
    if found is None:
        raise NotAnswered("scd2_from_log returned None: it is not written yet")
    dataframe_or_fail(found, "scd2_from_log(users_log)")
    return same_rows(found.select(*SCD2_COLUMNS), reference, "SCD2 rows")


def _auto_cdc(ctx, value, *, table, reference):
    return same_rows(table_or_fail(ctx, table).select(*SCD2_COLUMNS), reference, "SCD2 rows")


# TODO 7: the real feed with apply_changes ----------------------------------------------------------
def expected_current(read_crm, upto_batch: int):
    """Each customer's latest usable change up to a batch (unless a DELETE): what is current in SCD2."""
    from pyspark.sql import functions as F

    changes = (read_crm().where(F.col("_batch") <= upto_batch)
               .where("_corrupt_record IS NULL AND customer_id IS NOT NULL").drop("_corrupt_record", "_batch"))
    latest = (changes.groupBy("customer_id")
              .agg(F.max_by(F.struct(*changes.columns), "sequence_num").alias("c")).select("c.*"))
    return latest.where("operation <> 'DELETE'").drop("operation", "sequence_num")


def _current(ctx, silver):
    return table_or_fail(ctx, silver).where("__END_AT IS NULL").drop("__START_AT", "__END_AT")


def _apply_crm_batch(ctx, value, *, silver, read_crm, crm_changes=None):
    if not ctx.spark.catalog.tableExists(silver):
        raise NotAnswered("apply_crm_batch is not written yet: batch 0 made no silver_customers table")
    return same_rows(_current(ctx, silver), expected_current(read_crm, 0), "current customers")


def _all_batches(ctx, value, *, silver, read_crm, last_batch):
    return same_rows(_current(ctx, silver), expected_current(read_crm, last_batch), "current customers")


def _replay_batch(ctx, value, *, silver, replay, version_before):
    expect(replay is not None and replay.rows_written == 0,
           f"the replay wrote {getattr(replay, 'rows_written', None)} rows")
    version = ctx.spark.sql(f"DESCRIBE HISTORY {silver} LIMIT 1").first().version
    expect(version == version_before, "the replay made a new commit")
    return same_rows(ctx.spark.table(silver), ctx.spark.read.option("versionAsOf", version_before).table(silver),
                     "silver customers after the replay")


# reference answers: make labs writes each body into the solution notebook's block
_CUSTOMERS_UPSERT_ANSWER = SqlAnswer("""
    MERGE INTO customers AS t
    USING customer_updates AS s
    ON t.customer_id = s.customer_id
    WHEN MATCHED THEN UPDATE SET *
    WHEN NOT MATCHED THEN INSERT *""")

_LOYALTY_POINTS_ANSWER = SqlAnswer("""
    MERGE WITH SCHEMA EVOLUTION INTO customers AS t
    USING loyalty_updates AS s
    ON t.customer_id = s.customer_id
    WHEN MATCHED THEN UPDATE SET *
    WHEN NOT MATCHED THEN INSERT *""")

_SNAPSHOT_SYNC_ANSWER = SqlAnswer("""
    MERGE INTO customers AS t
    USING crm_snapshot AS s
    ON t.customer_id = s.customer_id
    WHEN MATCHED THEN UPDATE SET *
    WHEN NOT MATCHED THEN INSERT *
    WHEN NOT MATCHED BY SOURCE THEN DELETE""")


def _latest_per_key_answer(Window, F):
    def latest_per_key(changes):
        w = Window.partitionBy("customer_id").orderBy(F.desc("seq"))
        return changes.withColumn("_rn", F.row_number().over(w)).where("_rn = 1").drop("_rn")
    return latest_per_key


def _guarded_merge_answer(create_scd1_table, latest_per_key, spark, batches):
    guarded = create_scd1_table("customers_scd1")

    def guarded_merge(target: str, changes) -> None:
        latest_per_key(changes).createOrReplaceTempView("cdc_batch")
        spark.sql(f'''
            MERGE INTO {target} AS t
            USING cdc_batch AS s
            ON t.customer_id = s.customer_id
            WHEN MATCHED AND s.seq > t.seq AND s.operation = 'DELETE' THEN DELETE
            WHEN MATCHED AND s.seq > t.seq THEN UPDATE SET name = s.name, city = s.city, tier = s.tier, seq = s.seq
            WHEN NOT MATCHED AND s.operation <> 'DELETE' THEN
                INSERT (customer_id, name, city, tier, seq) VALUES (s.customer_id, s.name, s.city, s.tier, s.seq)''')

    for batch in batches:
        guarded_merge(guarded, batch)
    return guarded_merge


def _scd2_from_log_answer(Window, F, SCD2_COLUMNS, users_log):
    def scd2_from_log(changes):
        w = Window.partitionBy("userId").orderBy("sequenceNum")
        return (changes
                .withColumn("__START_AT", F.col("sequenceNum"))
                .withColumn("__END_AT", F.lead("sequenceNum").over(w))
                .where("operation <> 'DELETE'")
                .select(*SCD2_COLUMNS))

    users_by_hand = scd2_from_log(users_log)
    return scd2_from_log


def _apply_crm_batch_answer(apply_changes, silver, crm_changes):
    def apply_crm_batch(batch: int):
        return apply_changes(
            silver, crm_changes(batch),
            keys=["customer_id"],
            sequence_by="sequence_num",
            apply_as_deletes="operation = 'DELETE'",
            except_column_list=["operation", "sequence_num"],
            stored_as_scd_type=2,
        )

    print("batch 0:", apply_crm_batch(0))
    return apply_crm_batch


CHECKS = [
    Check("customers_upsert", "customers holds the upserted rows", _upserted, variable=False, todo=1,
          nudge="MERGE INTO target USING source ON <the key>; one clause for keys in both (WHEN MATCHED ... UPDATE), "
                "one for new keys (WHEN NOT MATCHED ... INSERT); SET * and INSERT * copy every column.",
          doc=MERGE_DOC,
          answer=_CUSTOMERS_UPSERT_ANSWER),
    Check("loyalty_points", "customers gained loyalty_points (1200, 5400, 80)", _loyalty, variable=False, todo=2,
          requires=("customers_upsert",),
          nudge="the upsert of TODO 1 on loyalty_updates, with the MERGE syntax that lets this one statement add "
                "columns (schema evolution).",
          doc=MERGE_SQL_DOC,
          answer=_LOYALTY_POINTS_ANSWER),
    Check("snapshot_sync", "customers equals the snapshot (Alan deleted)", _synced, variable=False, todo=3,
          requires=("loyalty_points",),
          nudge="the upsert, plus a third kind of clause for target rows that no source row matches.",
          doc=MERGE_SQL_DOC,
          answer=_SNAPSHOT_SYNC_ANSWER),
    Check("latest_per_key", "one row per customer, the highest seq", _latest_per_key, todo=4,
          nudge="number the rows of each customer_id with a window function, newest seq first, keep number 1 and "
                "drop the helper column.",
          doc=WINDOW_DOC,
          answer=_latest_per_key_answer),
    Check("guarded_merge", "the guarded MERGE keeps Grace's newest change (seq 10)", _guarded, todo=5,
          requires=("latest_per_key",),
          nudge="a change may touch a row only when it is newer: add a condition comparing s.seq and t.seq to both "
                "WHEN MATCHED clauses.",
          doc=MERGE_SQL_DOC,
          answer=_guarded_merge_answer),
    Check("replay_unchanged", "replaying a batch leaves the guarded table unchanged", _replay, variable=False,
          requires=("latest_per_key",),
          nudge="run the cells of section 5 in order; soft_delete_merge only applies changes with s.seq > t.seq.",
          doc=MERGE_DOC),
    Check("scd2_from_log", "scd2_from_log gives the documented SCD2 result", _scd2, todo=6,
          nudge="per userId in sequence order, a version starts at its own sequenceNum and ends at the next change's "
                "(the window function lead); a DELETE opens no version.",
          doc=AUTO_CDC_DOC,
          answer=_scd2_from_log_answer),
    Check("auto_cdc_scd2", "apply_changes gives the documented SCD2 result", _auto_cdc, variable=False,
          nudge="run the cells of sections 6 and 7 in order.", doc=APPLY_CHANGES_DOC),
    Check("apply_crm_batch", "silver_customers after batch 0: one current version per customer", _apply_crm_batch,
          todo=7,
          nudge="apply_changes takes the same arguments as Databricks' AUTO CDC: keys, sequence_by, apply_as_deletes, "
                "except_column_list (the columns that describe the change) and stored_as_scd_type.",
          doc=APPLY_CHANGES_DOC,
          answer=_apply_crm_batch_answer),
    Check("silver_customers", "after every batch: one current version per live customer", _all_batches,
          variable=False, requires=("apply_crm_batch",),
          nudge="apply the batches in order with apply_crm_batch (TODO 7); RESET=True starts over.",
          doc=AUTO_CDC_DOC),
    Check("replay_batch_3", "re-applying batch 3 changes nothing", _replay_batch, variable=False,
          requires=("apply_crm_batch",),
          nudge="apply_crm_batch must call apply_changes on crm_changes(batch) (TODO 7).", doc=AUTO_CDC_DOC),
]
