"""One normaliser for conditions given as a SQL string or a Column (quality rules, AUTO CDC conditions)."""

from __future__ import annotations

import pytest

pytest.importorskip("pyspark")

from pyspark.sql import functions as F  # noqa: E402

from lakehouse.cdc import CdcArgumentError  # noqa: E402
from lakehouse.cdc.spec import build_spec  # noqa: E402
from lakehouse.quality import QualityError, passes  # noqa: E402
from lakehouse.quality.conditions import check_condition, condition_column  # noqa: E402


@pytest.mark.parametrize("value, found", [(42, "got int"), (b"x", "got bytes"), (["a > 1"], "got list"),
                                          (None, "got NoneType"), ("", "non-empty"), ("  ", "non-empty")])
def test_a_bad_condition_names_the_argument_and_what_was_found(value, found):
    for error in (QualityError, CdcArgumentError):
        with pytest.raises(error) as info:
            check_condition(value, "my_arg", error)
        assert f"my_arg must be a" in str(info.value) and found in str(info.value)


def test_none_is_accepted_only_when_optional():
    assert check_condition(None, "apply_as_deletes", CdcArgumentError, optional=True) is None
    assert condition_column(None, "apply_as_deletes", CdcArgumentError, optional=True) is None


def test_both_users_raise_their_own_error_with_the_same_words():
    with pytest.raises(QualityError, match=r"^\[QUALITY_RULE_INVALID\] expression must be a SQL condition string "
                                           r"or a Column, got int\."):
        passes(1)
    with pytest.raises(CdcArgumentError, match=r"^\[CDC_INVALID_ARGUMENT\] apply_as_deletes must be a SQL condition "
                                               r"string or a Column, got int\."):
        build_spec("s.t", keys=["id"], sequence_by="seq", apply_as_deletes=1)


def test_a_string_and_a_column_give_the_same_rows(spark):
    df = spark.createDataFrame([(1, "D"), (2, "U"), (3, None)], "id int, op string")
    as_text = condition_column("op = 'D'", "apply_as_deletes", CdcArgumentError)
    as_column = condition_column(F.col("op") == "D", "apply_as_deletes", CdcArgumentError)
    assert [r.id for r in df.where(as_text).collect()] == [r.id for r in df.where(as_column).collect()] == [1]
    spec = build_spec("s.t", keys=["id"], sequence_by="id", apply_as_deletes="op = 'D'")
    assert spec.apply_as_deletes == "op = 'D'", "kept as given until a session exists"
    assert [r.id for r in df.where(spec.column("apply_as_deletes")).collect()] == [1]
    assert [r.id for r in df.where(passes("op = 'U'")).collect()] == [2], "NULL fails a rule"
