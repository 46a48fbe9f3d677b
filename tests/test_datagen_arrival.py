"""Tests of the arrival simulator with the shared test engine: files land whole and in order,
ticket changes become Delta commits with Change Data Feed, and landing is resumable."""

from __future__ import annotations

import json

import pyarrow.parquet as pq
import pytest

from lakehouse.datagen import arrive, batch_folder, generate, landed_batches, read_manifest
from lakehouse.datagen.arrival import FILE_SOURCES
from lakehouse.datagen.tickets import OPERATIONS


@pytest.fixture(scope="module")
def landed(tmp_path_factory, spark):
    """A tiny three-batch data set, landed in two calls (2 batches, then the rest)."""
    root = tmp_path_factory.mktemp("arrival")
    source, target = root / "generated", root / "landing"
    manifest = generate(source, scale=0.01, seed=11, batches=3, progress=False)
    first = arrive(source, target, batches=2, spark=spark, verbose=False)
    rest = arrive(source, target, batches="all", spark=spark, verbose=False)
    return source, target, manifest, first, rest


def test_batches_land_in_order_and_only_once(landed, spark, capsys):
    source, target, manifest, first, rest = landed
    assert (first, rest) == ([0, 1], [2])
    assert landed_batches(target) == [0, 1, 2]
    state = json.loads((target / "_arrivals.json").read_text())
    assert (state["seed"], state["scale"], state["num_batches"]) == (11, 0.01, 3)
    assert arrive(source, target, batches=1, spark=spark) == []
    assert "Nothing to land" in capsys.readouterr().out


def test_files_land_whole_with_their_final_names(landed):
    source, target, manifest, _, _ = landed
    for source_name in FILE_SOURCES:
        expected = sorted(f["path"] for b in manifest["batches"] for f in b["sources"][source_name]["files"])
        found = sorted(str(p.relative_to(target)) for p in (target / source_name).iterdir())
        assert found == expected, "no temporary or missing files"
        for b in manifest["batches"]:
            for f in b["sources"][source_name]["files"]:
                staged = batch_folder(source, b["batch"]) / f["path"]
                assert (target / f["path"]).read_bytes() == staged.read_bytes()


def test_ticket_table_is_delta_with_change_data_feed(landed, spark):
    _, target, manifest, _, _ = landed
    path = str(target / "support_tickets")
    props = {r.key: r.value for r in spark.sql(f"SHOW TBLPROPERTIES delta.`{path}`").collect()}
    assert props.get("delta.enableChangeDataFeed") == "true"
    history = spark.sql(f"DESCRIBE HISTORY delta.`{path}`").select("version", "operation").collect()
    kinds_per_batch = [sum(1 for k in OPERATIONS if b["sources"]["support_tickets"]["operations"][k])
                       for b in manifest["batches"]]
    assert len(history) == 1 + sum(kinds_per_batch), "CREATE TABLE, then one commit per change kind and batch"
    changes = (spark.read.format("delta").option("readChangeFeed", "true").option("startingVersion", 0).load(path)
               .groupBy("_change_type").count().collect())
    changes = {r["_change_type"]: r["count"] for r in changes}
    ops = manifest["totals"]["support_tickets"]["operations"]
    assert changes.get("insert", 0) == ops["open"]
    assert changes.get("update_postimage", 0) == ops["update"] + ops["close"]
    assert changes.get("update_preimage", 0) == ops["update"] + ops["close"]
    assert changes.get("delete", 0) == ops["delete"]


def test_ticket_table_holds_the_last_state_of_every_ticket(landed, spark):
    source, target, manifest, _, _ = landed
    last: dict[str, tuple] = {}
    for b in manifest["batches"]:
        table = pq.read_table(batch_folder(source, b["batch"]) / b["sources"]["support_tickets"]["files"][0]["path"])
        for row in table.select(["ticket_id", "status", "change", "change_seq"]).to_pylist():
            last[row["ticket_id"]] = (row["status"], row["change"])
    expected = {t: s for t, (s, change) in last.items() if change != "delete"}
    rows = spark.read.format("delta").load(str(target / "support_tickets")).select("ticket_id", "status").collect()
    assert {r.ticket_id: r.status for r in rows} == expected
    assert read_manifest(source)["totals"]["support_tickets"]["operations"]["open"] == len(last)


def _change_feed(spark, path):
    return sorted(tuple(r) for r in spark.read.format("delta").option("readChangeFeed", "true")
                  .option("startingVersion", 0).load(str(path))
                  .select("ticket_id", "status", "_change_type", "_commit_version").collect())


def test_a_second_landing_folder_gets_the_recorded_commits(landed, spark, tmp_path):
    # The ticket MERGEs ran once, on the data set's recorded feed; another folder gets a copy of
    # those commits, batch by batch, and reads the same table, history and change feed.
    source, target, manifest, _, _ = landed
    other = tmp_path / "landing"
    assert arrive(source, other, batches=1, spark=spark, verbose=False) == [0]
    first = spark.sql(f"DESCRIBE HISTORY delta.`{other / 'support_tickets'}`").count()
    assert arrive(source, other, batches="all", spark=spark, verbose=False) == [1, 2]
    table, original = other / "support_tickets", target / "support_tickets"
    history = [tuple(r) for r in spark.sql(f"DESCRIBE HISTORY delta.`{table}`")
               .select("version", "operation", "operationMetrics").orderBy("version").collect()]
    assert first < len(history)
    assert history == [tuple(r) for r in spark.sql(f"DESCRIBE HISTORY delta.`{original}`")
                       .select("version", "operation", "operationMetrics").orderBy("version").collect()]
    assert _change_feed(spark, table) == _change_feed(spark, original)
    assert not [p for p in table.rglob(".*") if p.is_file()], "no temporary files left"


def test_a_folder_landed_without_the_feed_keeps_landing_by_merge(landed, spark, tmp_path):
    # A landing table that is not a copy of the feed (here: one more commit of its own) is not
    # touched by the copy; its next batches are MERGEd into it, and nothing is lost.
    source, target, manifest, _, _ = landed
    other = tmp_path / "landing"
    arrive(source, other, batches=1, spark=spark, verbose=False)
    table = other / "support_tickets"
    spark.sql(f"ALTER TABLE delta.`{table}` SET TBLPROPERTIES ('lab.note' = 'mine')")
    assert arrive(source, other, batches="all", spark=spark, verbose=False) == [1, 2]
    rows = spark.read.format("delta").load(str(table)).select("ticket_id", "status").collect()
    expected = spark.read.format("delta").load(str(target / "support_tickets")).select("ticket_id", "status")
    assert sorted(map(tuple, rows)) == sorted(map(tuple, expected.collect()))
    ops = [r.operation for r in spark.sql(f"DESCRIBE HISTORY delta.`{table}`").collect()]
    assert "SET TBLPROPERTIES" in ops
