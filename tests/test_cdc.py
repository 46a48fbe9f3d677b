"""Tests of lakehouse.cdc.apply_changes: Databricks AUTO CDC semantics on real Spark + Delta.

The documented example is the one of "Example: SCD type 1 and SCD type 2 processing with CDF
source data" (https://docs.databricks.com/aws/en/ldp/what-is-change-data-capture and
https://docs.databricks.com/aws/en/ldp/cdc): users 123-126, sequence 1, 2, 5, 6, a DELETE at 6
and a late batch at 5.
"""

from __future__ import annotations

import uuid

import pytest

pytest.importorskip("pyspark")

from pyspark.sql import functions as F  # noqa: E402
from pyspark.testing import assertDataFrameEqual  # noqa: E402

from lakehouse.cdc import CdcResult, apply_changes  # noqa: E402

USERS = "userId int, name string, city string, operation string, sequenceNum int"
DOC_ROWS = [
    (124, "Raul", "Oaxaca", "INSERT", 1),
    (123, "Isabel", "Monterrey", "INSERT", 1),
    (125, "Mercedes", "Tijuana", "INSERT", 2),
    (126, "Lily", "Cancun", "INSERT", 2),
    (123, None, None, "DELETE", 6),
    (125, "Mercedes", "Guadalajara", "UPDATE", 6),
    (125, "Mercedes", "Mexicali", "UPDATE", 5),
    (123, "Isabel", "Chihuahua", "UPDATE", 5),
]
# Strings here; the Column forms (col, expr) are used by test_documented_example_scd1.
DOC_ARGS = dict(keys=["userId"], sequence_by="sequenceNum", apply_as_deletes="operation = 'DELETE'",
                except_column_list=["operation", "sequenceNum"])
SCD1_EXPECTED = [(124, "Raul", "Oaxaca"), (125, "Mercedes", "Guadalajara"), (126, "Lily", "Cancun")]
SCD2_EXPECTED = [
    (123, "Isabel", "Monterrey", 1, 5),
    (123, "Isabel", "Chihuahua", 5, 6),
    (124, "Raul", "Oaxaca", 1, None),
    (125, "Mercedes", "Tijuana", 2, 5),
    (125, "Mercedes", "Mexicali", 5, 6),
    (125, "Mercedes", "Guadalajara", 6, None),
    (126, "Lily", "Cancun", 2, None),
]
SCD2_COLS = "userId int, name string, city string, __START_AT int, __END_AT int"


@pytest.fixture()
def schema(spark):
    """A fresh schema for one test, dropped afterwards."""
    name = f"cdc_{uuid.uuid4().hex[:10]}"
    spark.sql(f"CREATE SCHEMA {name}")
    yield name
    spark.sql(f"DROP SCHEMA IF EXISTS {name} CASCADE")


def _df(spark, rows, ddl=USERS):
    return spark.createDataFrame(rows, ddl)


def _expect(spark, target, rows, ddl):
    assertDataFrameEqual(spark.table(target), spark.createDataFrame(rows, ddl))


# --- the documented example ------------------------------------------------------------------

def test_documented_example_scd1(spark, schema):
    args = dict(DOC_ARGS, sequence_by=F.col("sequenceNum"), apply_as_deletes=F.expr("operation = 'DELETE'"))
    result = apply_changes(f"{schema}.users", _df(spark, DOC_ROWS), **args)
    _expect(spark, f"{schema}.users", SCD1_EXPECTED, "userId int, name string, city string")
    assert isinstance(result, CdcResult)
    assert result.rows_in == 8
    assert result.rows_in == result.upserts + result.deletes + result.truncates + result.ignored


def test_documented_example_scd2(spark, schema):
    apply_changes(f"{schema}.users", _df(spark, DOC_ROWS), stored_as_scd_type=2, **DOC_ARGS)
    _expect(spark, f"{schema}.users", SCD2_EXPECTED, SCD2_COLS)


def test_documented_example_track_history_except_city(spark, schema):
    apply_changes(f"{schema}.users", _df(spark, DOC_ROWS), stored_as_scd_type=2,
                  track_history_except_column_list=["city"], **DOC_ARGS)
    _expect(spark, f"{schema}.users", [
        (123, "Isabel", "Chihuahua", 1, 6),
        (124, "Raul", "Oaxaca", 1, None),
        (125, "Mercedes", "Guadalajara", 2, None),
        (126, "Lily", "Cancun", 2, None),
    ], SCD2_COLS)


def test_documented_example_truncate_scd1(spark, schema):
    rows = DOC_ROWS + [(None, None, None, "TRUNCATE", 3)]
    result = apply_changes(f"{schema}.users", _df(spark, rows),
                           apply_as_truncates="operation = 'TRUNCATE'", **DOC_ARGS)
    _expect(spark, f"{schema}.users", [(125, "Mercedes", "Guadalajara")],
            "userId int, name string, city string")
    assert result.truncates == 1


@pytest.mark.parametrize("scd", [1, 2])
def test_documented_example_in_arrival_batches(spark, schema, scd):
    """The example's three arrivals as three batches (the last one late) give the same tables."""
    target = f"{schema}.users"
    for batch in (DOC_ROWS[:4], DOC_ROWS[4:6], DOC_ROWS[6:]):
        apply_changes(target, _df(spark, batch), stored_as_scd_type=scd, **DOC_ARGS)
    if scd == 1:
        _expect(spark, target, SCD1_EXPECTED, "userId int, name string, city string")
    else:
        _expect(spark, target, SCD2_EXPECTED, SCD2_COLS)


# --- SCD type 1 ------------------------------------------------------------------------------

KV = "id int, v string, op string, seq int"
KV_ARGS = dict(keys=["id"], sequence_by="seq", apply_as_deletes="op = 'D'", except_column_list=["op", "seq"])


def test_scd1_out_of_order_update_across_batches_is_ignored(spark, schema):
    target = f"{schema}.t"
    apply_changes(target, _df(spark, [(1, "new", "U", 5), (2, "x", "U", 1)], KV), **KV_ARGS)
    result = apply_changes(target, _df(spark, [(1, "old", "U", 3), (2, "y", "U", 2)], KV), **KV_ARGS)
    _expect(spark, target, [(1, "new"), (2, "y")], "id int, v string")
    assert (result.upserts, result.ignored) == (1, 1)


def test_scd1_delete_then_late_update_does_not_resurrect(spark, schema):
    target = f"{schema}.t"
    apply_changes(target, _df(spark, [(1, "a", "U", 1), (2, "b", "U", 1)], KV), **KV_ARGS)
    apply_changes(target, _df(spark, [(1, None, "D", 5)], KV), **KV_ARGS)
    late = apply_changes(target, _df(spark, [(1, "late", "U", 4)], KV), **KV_ARGS)
    _expect(spark, target, [(2, "b")], "id int, v string")
    assert late.ignored == 1
    apply_changes(target, _df(spark, [(1, "again", "U", 7)], KV), **KV_ARGS)
    _expect(spark, target, [(1, "again"), (2, "b")], "id int, v string")


def test_scd1_several_updates_in_one_batch(spark, schema):
    target = f"{schema}.t"
    rows = [(1, "c", "U", 3), (1, "a", "U", 1), (1, "b", "U", 2), (2, "x", "U", 1), (2, None, "D", 2)]
    result = apply_changes(target, _df(spark, rows, KV), **KV_ARGS)
    _expect(spark, target, [(1, "c")], "id int, v string")
    assert (result.upserts, result.deletes, result.ignored) == (4, 1, 0)


def test_scd1_ties_delete_wins_then_greatest_value(spark, schema):
    target = f"{schema}.t"
    rows = [(1, "a", "U", 1), (1, "b", "U", 1), (2, "x", "U", 1), (2, None, "D", 1)]
    result = apply_changes(target, _df(spark, rows, KV), **KV_ARGS)
    _expect(spark, target, [(1, "b")], "id int, v string")
    assert result.ignored == 2
    # Across batches the applied upsert wins a tie, a delete still wins over it.
    again = apply_changes(target, _df(spark, [(1, "z", "U", 1)], KV), **KV_ARGS)
    assert again.ignored == 1
    _expect(spark, target, [(1, "b")], "id int, v string")
    apply_changes(target, _df(spark, [(1, None, "D", 1)], KV), **KV_ARGS)
    assert spark.table(target).count() == 0


def test_scd1_truncate_keeps_newer_rows_and_ignores_older_changes(spark, schema):
    target = f"{schema}.t"
    args = dict(KV_ARGS, apply_as_truncates="op = 'T'")
    apply_changes(target, _df(spark, [(1, "a", "U", 1), (2, "b", "U", 9)], KV), **args)
    result = apply_changes(target, _df(spark, [(None, None, "T", 5), (3, "c", "U", 6)], KV), **args)
    _expect(spark, target, [(2, "b"), (3, "c")], "id int, v string")
    assert (result.truncates, result.upserts) == (1, 1)
    late = apply_changes(target, _df(spark, [(1, "late", "U", 4)], KV), **args)
    assert late.ignored == 1
    _expect(spark, target, [(2, "b"), (3, "c")], "id int, v string")


def test_scd1_ignore_null_updates(spark, schema):
    target = f"{schema}.t"
    ddl = "id int, a string, b string, seq int"
    args = dict(keys=["id"], sequence_by="seq", except_column_list=["seq"], ignore_null_updates=True)
    apply_changes(target, _df(spark, [(1, "a1", "b1", 1), (2, None, "b2", 1)], ddl), **args)
    apply_changes(target, _df(spark, [(1, None, "b9", 2), (1, "a3", None, 3), (2, "a2", None, 2)], ddl), **args)
    _expect(spark, target, [(1, "a3", "b9"), (2, "a2", "b2")], "id int, a string, b string")


def test_column_list_and_except_column_list(spark, schema):
    rows = [(1, "a", "U", 1)]
    apply_changes(f"{schema}.only", _df(spark, rows, KV), keys=["id"], sequence_by="seq",
                  column_list=["id", "v"])
    apply_changes(f"{schema}.but", _df(spark, rows, KV), keys=["id"], sequence_by="seq",
                  except_column_list=["op"])
    assert spark.table(f"{schema}.only").columns == ["id", "v"]
    assert spark.table(f"{schema}.but").columns == ["id", "v", "seq"]


def test_struct_sequence_orders_by_fields(spark, schema):
    target = f"{schema}.t"
    ddl = "id int, v string, day int, n int"
    rows = [(1, "b", 1, 2), (1, "a", 1, 1), (1, "c", 2, 0)]
    apply_changes(target, _df(spark, rows, ddl), keys=["id"], sequence_by=F.struct("day", "n"),
                  except_column_list=["day", "n"], stored_as_scd_type=2)
    got = spark.table(target).select("v", F.col("__START_AT.day").alias("start_day"),
                                     F.col("__START_AT.n").alias("start_n"),
                                     F.col("__END_AT.n").alias("end_n"))
    assertDataFrameEqual(got, spark.createDataFrame(
        [("a", 1, 1, 2), ("b", 1, 2, 0), ("c", 2, 0, None)],
        "v string, start_day int, start_n int, end_n int"))


# --- SCD type 2 ------------------------------------------------------------------------------

SCD2_KV = "id int, v string, __START_AT int, __END_AT int"
KV2_ARGS = dict(KV_ARGS, stored_as_scd_type=2)


def test_scd2_late_record_splits_history(spark, schema):
    target = f"{schema}.t"
    apply_changes(target, _df(spark, [(1, "a", "U", 1), (1, "c", "U", 10)], KV), **KV2_ARGS)
    apply_changes(target, _df(spark, [(1, "b", "U", 5)], KV), **KV2_ARGS)
    _expect(spark, target, [(1, "a", 1, 5), (1, "b", 5, 10), (1, "c", 10, None)], SCD2_KV)


def test_scd2_several_changes_in_one_batch_give_the_chain(spark, schema):
    target = f"{schema}.t"
    rows = [(1, "c", "U", 3), (1, "a", "U", 1), (1, "b", "U", 2), (1, None, "D", 4), (1, "d", "U", 7)]
    apply_changes(target, _df(spark, rows, KV), **KV2_ARGS)
    _expect(spark, target, [(1, "a", 1, 2), (1, "b", 2, 3), (1, "c", 3, 4), (1, "d", 7, None)], SCD2_KV)


def test_scd2_delete_closes_current_version_and_late_change_before_it(spark, schema):
    target = f"{schema}.t"
    apply_changes(target, _df(spark, [(1, "a", "U", 1)], KV), **KV2_ARGS)
    apply_changes(target, _df(spark, [(1, None, "D", 6)], KV), **KV2_ARGS)
    _expect(spark, target, [(1, "a", 1, 6)], SCD2_KV)
    apply_changes(target, _df(spark, [(1, "b", "U", 5)], KV), **KV2_ARGS)
    _expect(spark, target, [(1, "a", 1, 5), (1, "b", 5, 6)], SCD2_KV)


def test_scd2_delete_before_insert_is_kept_as_tombstone(spark, schema):
    target = f"{schema}.t"
    apply_changes(target, _df(spark, [(1, None, "D", 6)], KV), **KV2_ARGS)
    assert spark.table(target).count() == 0
    apply_changes(target, _df(spark, [(1, "a", "U", 2)], KV), **KV2_ARGS)
    _expect(spark, target, [(1, "a", 2, 6)], SCD2_KV)


def test_scd2_ties_delete_wins_over_upsert(spark, schema):
    target = f"{schema}.t"
    rows = [(1, "a", "U", 1), (1, "b", "U", 4), (1, None, "D", 4), (2, "x", "U", 1), (2, "y", "U", 1)]
    apply_changes(target, _df(spark, rows, KV), **KV2_ARGS)
    _expect(spark, target, [(1, "a", 1, 4), (2, "y", 1, None)], SCD2_KV)


def test_scd2_replay_is_idempotent(spark, schema):
    target = f"{schema}.users"
    args = dict(DOC_ARGS, stored_as_scd_type=2, track_history_except_column_list=["city"])
    apply_changes(target, _df(spark, DOC_ROWS), **args)
    version = spark.sql(f"DESCRIBE HISTORY {target}").agg(F.max("version")).first()[0]
    before = spark.table(target).collect()
    again = apply_changes(target, _df(spark, DOC_ROWS), **args)
    partly = apply_changes(target, _df(spark, DOC_ROWS[6:]), **args)
    assert again.target_version == partly.target_version == version
    assert (again.rows_written, again.upserts, again.deletes, again.ignored) == (0, 0, 0, 8)
    assertDataFrameEqual(spark.table(target), before)


def test_target_version_follows_commits_of_other_writers(spark, schema):
    # The version comes from the target's _delta_log after the first call: another writer's
    # commit between two calls must show, like DESCRIBE HISTORY shows it.
    target = f"{schema}.users"
    first = apply_changes(target, _df(spark, DOC_ROWS), **DOC_ARGS)
    spark.sql(f"INSERT INTO {target} VALUES (999, 'Zoe', 'Lima')")
    replay = apply_changes(target, _df(spark, DOC_ROWS), **DOC_ARGS)
    latest = spark.sql(f"DESCRIBE HISTORY {target}").agg(F.max("version")).first()[0]
    assert replay.rows_written == 0 and replay.target_version == latest == first.target_version + 1


def test_scd2_track_history_column_list_updates_untracked_in_place(spark, schema):
    target = f"{schema}.t"
    ddl = "id int, name string, city string, seq int"
    args = dict(keys=["id"], sequence_by="seq", except_column_list=["seq"], stored_as_scd_type=2,
                track_history_column_list=["name"])
    apply_changes(target, _df(spark, [(1, "Ann", "Oslo", 1), (1, "Ann", "Rome", 3)], ddl), **args)
    apply_changes(target, _df(spark, [(1, "Bea", "Rome", 5), (1, "Ann", "Lima", 2)], ddl), **args)
    _expect(spark, target, [(1, "Ann", "Rome", 1, 5), (1, "Bea", "Rome", 5, None)],
            "id int, name string, city string, __START_AT int, __END_AT int")


def test_scd2_ignore_null_updates(spark, schema):
    target = f"{schema}.t"
    ddl = "id int, a string, b string, seq int"
    args = dict(keys=["id"], sequence_by="seq", except_column_list=["seq"], stored_as_scd_type=2,
                ignore_null_updates=True)
    apply_changes(target, _df(spark, [(1, "a1", "b1", 1)], ddl), **args)
    apply_changes(target, _df(spark, [(1, None, "b2", 2)], ddl), **args)
    _expect(spark, target, [(1, "a1", "b1", 1, 2), (1, "a1", "b2", 2, None)],
            "id int, a string, b string, __START_AT int, __END_AT int")


def test_recreated_target_does_not_inherit_old_state(spark, schema):
    target = f"{schema}.t"
    apply_changes(target, _df(spark, [(1, "a", "U", 1), (1, None, "D", 5)], KV), **KV_ARGS)
    spark.sql(f"DROP TABLE {target}")
    apply_changes(target, _df(spark, [(1, "b", "U", 2)], KV), **KV_ARGS)
    _expect(spark, target, [(1, "b")], "id int, v string")


def test_target_replaced_by_another_writer_does_not_inherit_old_state(spark, schema):
    # CREATE OR REPLACE by plain SQL: a new table without this engine's state id.
    target = f"{schema}.t"
    apply_changes(target, _df(spark, [(1, "a", "U", 1), (1, None, "D", 5)], KV), **KV_ARGS)
    spark.sql(f"CREATE OR REPLACE TABLE {target} (id int, v string) USING delta")
    apply_changes(target, _df(spark, [(1, "b", "U", 2)], KV), **KV_ARGS)
    _expect(spark, target, [(1, "b")], "id int, v string")


# --- the join helpers both SCD types use -------------------------------------------------------

def test_key_match_joins_renamed_keys_null_safely(spark):
    from lakehouse.cdc.tables import key_match, renamed

    keys = ["id", "odd`key"]
    left = spark.createDataFrame([(1, "a", "x"), (1, None, "y"), (2, "b", "z")], "id int, `odd``key` string, v string")
    right = spark.createDataFrame([(1, None), (2, "b"), (2, "c")], "id int, `odd``key` string")
    renamed_right = right.select(*renamed(keys, "__cdc_k_"))
    assert renamed_right.columns == ["__cdc_k_0", "__cdc_k_1"]
    matched = left.join(renamed_right, key_match(keys, "__cdc_k_"), "left_semi")
    assert sorted(r.v for r in matched.collect()) == ["y", "z"], "a null key matches a null key"
