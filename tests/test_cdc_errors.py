"""Bad arguments to lakehouse.cdc.apply_changes: each raises its error class and code, and the
target does not change (same Delta version, same rows)."""

from __future__ import annotations

import uuid

import pytest

pytest.importorskip("pyspark")

from pyspark.sql import functions as F  # noqa: E402
from pyspark.testing import assertDataFrameEqual  # noqa: E402

from lakehouse.cdc import (CdcArgumentError, CdcColumnError, CdcError, CdcNullSequenceError,  # noqa: E402
                           CdcTargetError, apply_changes)
from lakehouse.cdc.spec import build_spec  # noqa: E402
from lakehouse.errors import LakehouseError  # noqa: E402

DDL = "id int, v string, op string, seq int"
GOOD = dict(keys=["id"], sequence_by="seq", apply_as_deletes="op = 'D'", except_column_list=["op", "seq"])


@pytest.fixture(scope="module")
def target(spark):
    """An SCD 1 target with two rows, shared by the tests of this module (none may change it)."""
    schema = f"cdc_err_{uuid.uuid4().hex[:10]}"
    spark.sql(f"CREATE SCHEMA {schema}")
    name = f"{schema}.t"
    apply_changes(name, spark.createDataFrame([(1, "a", "U", 1), (2, "b", "U", 1)], DDL), **GOOD)
    yield name
    spark.sql(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


def _snapshot(spark, name):
    version = spark.sql(f"DESCRIBE HISTORY {name}").agg(F.max("version")).first()[0]
    return version, spark.table(name).collect()


def _batch(spark, rows=((1, "z", "U", 9),)):
    return spark.createDataFrame(list(rows), DDL)


CASES = {
    "scd_type_3": (dict(stored_as_scd_type=3), CdcArgumentError),
    "both_column_lists": (dict(column_list=["id", "v"]), CdcArgumentError),
    "track_history_with_type_1": (dict(track_history_column_list=["v"]), CdcArgumentError),
    "both_track_history_lists": (dict(stored_as_scd_type=2, track_history_column_list=["v"],
                                      track_history_except_column_list=["v"]), CdcArgumentError),
    "truncates_with_type_2": (dict(stored_as_scd_type=2, apply_as_truncates="op = 'T'"), CdcArgumentError),
    "condition_of_wrong_type": (dict(apply_as_deletes=42), CdcArgumentError),
    "condition_not_boolean": (dict(apply_as_deletes="seq + 1"), CdcArgumentError),
    "condition_unknown_column": (dict(apply_as_deletes="nope = 'D'"), CdcArgumentError),
    "sequence_of_wrong_type": (dict(sequence_by=3), CdcArgumentError),
    "keys_as_string": (dict(keys="id"), CdcArgumentError),
    "missing_key_column": (dict(keys=["customer_id"]), CdcColumnError),
    "except_drops_key": (dict(except_column_list=["id"]), CdcArgumentError),
    "other_keys_than_target": (dict(keys=["id", "v"]), CdcTargetError),
    "other_columns_than_target": (dict(except_column_list=["op"]), CdcTargetError),
    "other_scd_type_than_target": (dict(stored_as_scd_type=2), CdcTargetError),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_arguments_raise_and_change_nothing(spark, target, case):
    overrides, error = CASES[case]
    before = _snapshot(spark, target)
    with pytest.raises(error) as info:
        apply_changes(target, _batch(spark), **{**GOOD, **overrides})
    assert info.value.code == error.code
    assert isinstance(info.value, CdcError) and isinstance(info.value, LakehouseError)
    version, rows = _snapshot(spark, target)
    assert version == before[0]
    assertDataFrameEqual(rows, before[1])


def test_null_sequence_value_raises_and_changes_nothing(spark, target):
    before = _snapshot(spark, target)
    rows = [(1, "z", "U", 9), (3, "c", "U", None)]
    with pytest.raises(CdcNullSequenceError) as info:
        apply_changes(target, _batch(spark, rows), **GOOD)
    assert info.value.code == "CDC_NULL_SEQUENCE"
    assert _snapshot(spark, target)[0] == before[0]
    assertDataFrameEqual(spark.table(target).collect(), before[1])


def test_source_must_be_a_dataframe(spark, target):
    with pytest.raises(CdcArgumentError) as info:
        apply_changes(target, [(1, "z", "U", 9)], **GOOD)
    assert info.value.code == "CDC_INVALID_ARGUMENT"


@pytest.mark.parametrize("name", ["", "a.b.c.d", "a..b", 7])
def test_bad_target_names(name):
    with pytest.raises(CdcArgumentError):
        build_spec(name, keys=["id"], sequence_by="seq")


def test_error_codes_are_stable():
    assert [c.code for c in (CdcError, CdcArgumentError, CdcColumnError, CdcNullSequenceError,
                             CdcTargetError)] == ["CDC_ERROR", "CDC_INVALID_ARGUMENT", "CDC_MISSING_COLUMN",
                                                  "CDC_NULL_SEQUENCE", "CDC_TARGET_MISMATCH"]


def test_condition_errors_name_the_argument_and_type():
    with pytest.raises(CdcArgumentError, match=r"apply_as_truncates .* got int"):
        build_spec("s.t", keys=["id"], sequence_by="seq", apply_as_truncates=1)
    spec = build_spec("s.t", keys=["id"], sequence_by=F.col("seq"), apply_as_deletes=F.expr("op = 'D'"))
    assert spec.apply_as_deletes is not None and spec.scd_type == 1
