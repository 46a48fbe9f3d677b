from pathlib import Path

import pytest

from lakehouse.course import LABS, lab, resolve_lab
from lakehouse.course.errors import LabError


@pytest.mark.parametrize("name", ["04", "4", "04_silver_transforms"])
def test_resolve_lab(name):
    assert resolve_lab(name) == "04_silver_transforms"


@pytest.mark.parametrize("name", ["13", "04_wrong_topic", "", 4])
def test_unknown_lab_lists_the_labs(name):
    with pytest.raises(LabError) as info:
        resolve_lab(name)
    assert info.value.code == "LAB_ERROR"


def test_course_map_numbers():
    assert list(LABS) == [f"{i:02d}" for i in range(13)]


def test_lab_context_names_folders_and_reset(spark, test_home, capsys):
    ctx = lab("05", spark=spark)
    assert "lab 05_structured_streaming | schema spark_catalog.lab05" in capsys.readouterr().out
    assert ctx.table("events") == "spark_catalog.lab05.events"
    assert Path(ctx.landing) == test_home / "labs" / "05_structured_streaming" / "landing"
    assert Path(ctx.checkpoint("s1")).parent.name == "checkpoints"
    assert ctx.query_name("s1") == "lab05_s1"
    for folder in ("landing", "checkpoints", "schemas", "output"):
        assert Path(ctx.path(folder)).is_dir()
    spark.range(3).write.format("delta").mode("overwrite").saveAsTable(ctx.table("events"))
    Path(ctx.landing, "f.json").write_text("{}")
    other = lab("04", spark=spark, quiet=True)
    spark.range(2).write.format("delta").mode("overwrite").saveAsTable(other.table("events"))

    ctx.reset()
    assert not spark.catalog.tableExists(ctx.table("events"))
    assert list(Path(ctx.landing).iterdir()) == []
    assert spark.table(other.table("events")).count() == 2  # another lab is untouched
    other.reset()


def test_reset_stops_the_labs_streams(spark):
    ctx = lab("05", spark=spark, quiet=True)
    q = (spark.readStream.format("rate").load().writeStream.format("noop")
         .queryName(ctx.query_name("rate")).start())
    try:
        assert q.isActive
        assert ctx.stop_streams() == 1
        assert not q.isActive
    finally:
        q.stop()


@pytest.mark.parametrize("bad", ["", "a b", "1x", "x;drop"])
def test_bad_names_are_refused(spark, bad):
    ctx = lab("05", spark=spark, quiet=True)
    with pytest.raises(LabError):
        ctx.table(bad)
    with pytest.raises(LabError):
        ctx.checkpoint(bad)


def test_bad_folder_and_reset_flag(spark):
    ctx = lab("05", spark=spark, quiet=True)
    with pytest.raises(LabError):
        ctx.path("tmp")
    with pytest.raises(LabError):
        lab("05", reset="yes", spark=spark)


def test_lab_lands_generated_batches_into_its_own_folder(spark):
    ctx = lab("02", spark=spark, quiet=True, reset=True)
    assert ctx.arrive(1, scale=0.01) == [0]
    assert sorted(p.name for p in Path(ctx.landing).iterdir() if p.name[0] not in "_.") == \
        ["clickstream", "crm", "support_tickets", "transactions"]
    assert ctx.arrive(1, scale=0.01) == [1]
    ctx.reset()
    assert ctx.arrive(1, scale=0.01) == [0]  # a reset lab starts over
    ctx.reset()


def test_lab_check_fails_with_a_nudge_catches_up_then_passes(spark, capsys, monkeypatch):
    """A real lab check on a real table: FAIL with a nudge (no answer), the catch-up writes the
    reference table, the next run PASSes; the answer only on request; one summary."""
    monkeypatch.delenv("LAKEHOUSE_GRADING", raising=False)
    ctx = lab("00", spark=spark, quiet=True, reset=True)
    table = ctx.table("customers")
    customers = spark.createDataFrame([(1, "Ada"), (2, "Grace"), (3, "Linus")], "customer_id INT, name STRING")
    assert ctx.check("customers_table", table=table, customers=customers) is None
    out = capsys.readouterr().out
    assert out.startswith("FAIL  [0/1] customers_table") and "no table customers yet" in out
    assert "nudge:" in out and 'mode("overwrite")' not in out and "caught up" in out
    assert spark.table(table).count() == 3  # the catch-up wrote the reference state
    ctx.check("customers_table", table=table, customers=customers)
    assert capsys.readouterr().out.startswith("PASS  [1/1] customers_table")
    ctx.answer(1)
    assert 'mode("overwrite").saveAsTable(table)' in capsys.readouterr().out
    ctx.summary()
    summary = capsys.readouterr().out
    assert summary.count("00_welcome_and_setup: 1/1 checks passed") == 1 and "Not run yet: environment" in summary
    ctx.reset()


def test_clean_up_keeps_or_drops_and_a_graded_variant_has_its_own_schema(spark, test_home, monkeypatch, capsys):
    ctx = lab("06", spark=spark, quiet=True, reset=True)
    spark.range(3).write.format("delta").mode("overwrite").saveAsTable(ctx.table("kept"))
    monkeypatch.setenv("LAKEHOUSE_LAB_VARIANT", "graded")
    graded = lab("06", spark=spark, quiet=True)
    assert graded.full_schema == "spark_catalog.lab06_graded"
    assert Path(graded.landing) == test_home / "labs" / "06_expectations_quality.graded" / "landing"
    spark.range(2).write.format("delta").mode("overwrite").saveAsTable(graded.table("kept"))
    graded.clean_up(drop=True)
    assert "schema spark_catalog.lab06_graded dropped" in capsys.readouterr().out
    assert not spark.catalog.tableExists(graded.table("kept")) and not Path(graded.landing).exists()
    assert spark.table(ctx.table("kept")).count() == 3  # the learner's own lab06 is untouched
    monkeypatch.setenv("LAKEHOUSE_LAB_VARIANT", "no good")
    with pytest.raises(LabError):
        lab("06", spark=spark, quiet=True)
    monkeypatch.delenv("LAKEHOUSE_LAB_VARIANT")
    ctx.clean_up()
    assert "tables and files kept" in capsys.readouterr().out and spark.catalog.tableExists(ctx.table("kept"))
    ctx.reset()
