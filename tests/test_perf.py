"""lakehouse.perf on real Delta tables (tiny data): the plan's files read agree with the Delta log.

One table of 6 files, each holding a disjoint range of ``customer_id`` (100 rows each),
so the log's min/max stats say exactly which files a filter must read.
"""

import matplotlib
import pytest

matplotlib.use("Agg")

from lakehouse.errors import LakehouseError  # noqa: E402
from lakehouse.perf import (  # noqa: E402
    ScanMetrics, compare, file_layout, make_small_files, plot_file_ranges, scan_metrics, summary)
from lakehouse.perf.errors import NotADeltaTableError, PerfArgumentError  # noqa: E402

SCHEMA = "spark_catalog.test_perf"
FILES = 6


@pytest.fixture(scope="module")
def ranged(spark):
    """A Delta table of FILES files; file i holds customer_id 100*i .. 100*i+99 (one commit: each
    partition of a range is a contiguous slice of it)."""
    spark.sql(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
    spark.sql(f"CREATE SCHEMA {SCHEMA}")
    table = f"{SCHEMA}.ranged"
    (spark.range(0, 100 * FILES, numPartitions=FILES)
     .selectExpr("id AS customer_id", "date_add(DATE'2024-01-01', CAST(id AS INT)) AS day")
     .write.format("delta").saveAsTable(table))
    yield table
    spark.sql(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")


def test_files_read_match_the_delta_log(spark, ranged):
    layout = file_layout(ranged)
    assert len(layout) == FILES == spark.sql(f"DESCRIBE DETAIL {ranged}").first().numFiles
    assert layout["num_records"].sum() == 100 * FILES
    assert (layout["customer_id_min"] % 100 == 0).all() and (layout["customer_id_max"] % 100 == 99).all()

    lookup = scan_metrics(spark.table(ranged).where("customer_id = 250"), label="lookup")
    holding = layout[(layout.customer_id_min <= 250) & (layout.customer_id_max >= 250)]
    assert (lookup.files_read, lookup["files_total"], lookup.rows) == (len(holding), FILES, 1) == (1, FILES, 1)
    assert lookup.bytes_read == holding["size_bytes"].sum()
    assert lookup.tables == (ranged,)

    full = scan_metrics(f"SELECT sum(customer_id) FROM {ranged}", spark=spark)
    assert (full.files_read, full.files_total, full.rows_scanned) == (FILES, FILES, 100 * FILES)
    assert full.bytes_read == layout["size_bytes"].sum()
    counted = scan_metrics(f"SELECT count(*) FROM {ranged}", spark=spark)  # Delta answers from the log
    assert (counted.files_read, counted.rows) == (0, 1)
    assert dict(full)["files_read"] == full["files_read"] == FILES and set(full) == set(full.as_dict())


def test_compare_and_summary_report_the_ratio(spark, ranged):
    before = scan_metrics(spark.table(ranged))
    after = scan_metrics(spark.table(ranged).where("customer_id BETWEEN 0 AND 150"))
    table = compare(before, after, plot=True)
    assert table.loc["files_read", "before/after"] == FILES / 2
    table = summary({"a": before, "b": after})
    assert list(table.index) == ["a", "b"] and table.loc["b", "files_read"] == 2


def test_layout_plot_and_deletion_vectors(spark, ranged):
    table = f"{SCHEMA}.dv"
    spark.sql(f"CREATE OR REPLACE TABLE {table} USING delta TBLPROPERTIES ('delta.enableDeletionVectors' = true) "
              f"AS SELECT * FROM {ranged}")
    spark.sql(f"DELETE FROM {table} WHERE customer_id % 10 = 0")
    layout = file_layout(table)
    assert layout["deleted_rows"].sum() == 60 and layout["num_records"].sum() == 100 * FILES
    ax = plot_file_ranges(layout, "day", value="2024-03-01")
    assert "1 of" in ax.get_title()


def test_make_small_files_writes_one_commit_per_append(spark):
    table = f"{SCHEMA}.small"
    spark.sql(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}")
    assert make_small_files(spark.range(400), table, commits=2, files_per_commit=3) == 6
    assert spark.sql(f"DESCRIBE HISTORY {table}").count() == 2
    assert spark.table(table).count() == 400


def test_bad_arguments_name_the_thing(spark, ranged):
    cases = [
        (lambda: scan_metrics(42), PerfArgumentError),
        (lambda: scan_metrics("  "), PerfArgumentError),
        (lambda: compare({"rows": 1}, {"rows": 2}), PerfArgumentError),
        (lambda: summary({}), PerfArgumentError),
        (lambda: file_layout(""), PerfArgumentError),
        (lambda: file_layout(f"{SCHEMA}.no_such_table"), NotADeltaTableError),
        (lambda: plot_file_ranges(file_layout(ranged), "nope"), PerfArgumentError),
        (lambda: make_small_files(spark.range(3), f"{SCHEMA}.x", commits=0), PerfArgumentError),
    ]
    for call, error in cases:
        with pytest.raises(error) as info:
            call()
        assert isinstance(info.value, LakehouseError) and info.value.code == error.code
    assert (PerfArgumentError.code, NotADeltaTableError.code) == ("PERF_INVALID_ARGUMENT", "PERF_NOT_A_DELTA_TABLE")
    assert isinstance(scan_metrics(spark.range(1)), ScanMetrics)  # no table: files_total unknown
    assert scan_metrics(spark.range(1)).files_total is None
