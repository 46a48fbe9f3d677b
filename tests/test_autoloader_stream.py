"""End-to-end tests of the local ``cloudFiles`` source: real streams (trigger availableNow)
writing real Delta tables, checked against Databricks' documented Auto Loader behaviour
(https://docs.databricks.com/aws/en/ingestion/cloud-object-storage/auto-loader/schema and
.../auto-loader/options)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from pyspark.sql import functions as F
from pyspark.sql.types import LongType, StringType, StructField, StructType


def write_json(folder: Path, name: str, rows: list, *, mtime: float | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows))
    if mtime is not None:
        os.utime(path, (mtime, mtime))
    return path


def start(spark, land: Path, base: Path, *, fmt: str = "json", options: dict | None = None, schema=None,
          merge: bool = False, out: str = "out"):
    reader = (spark.readStream.format("cloudFiles").option("cloudFiles.format", fmt)
              .option("cloudFiles.schemaLocation", str(base / "schema")))
    for key, value in (options or {}).items():
        reader = reader.option(key, value)
    if schema is not None:
        reader = reader.schema(schema)
    writer = (reader.load(str(land)).writeStream.format("delta")
              .option("checkpointLocation", str(base / f"chk-{out}")).trigger(availableNow=True))
    if merge:
        writer = writer.option("mergeSchema", "true")
    query = writer.start(str(base / out))
    query.awaitTermination()
    return query


def table(spark, base: Path, out: str = "out"):
    return spark.read.format("delta").load(str(base / out))


def batches(query) -> list[int]:
    return [p.numInputRows for p in query.recentProgress if p.numInputRows]


def test_json_defaults_infer_strings_store_schema_and_add_metadata(spark, tmp_path):
    land = tmp_path / "land"
    write_json(land, "a.json", [{"id": 1, "name": "x", "price": 2.0, "tags": {"k": 1}}])
    write_json(land, "b.json", [{"id": 2, "name": "y", "price": 3.5}])
    start(spark, land, tmp_path)
    df = table(spark, tmp_path)
    assert df.schema["id"].dataType == StringType()  # inferColumnTypes defaults to false
    assert df.schema["tags"].dataType.simpleString() == "struct<k:string>"
    assert "_rescued_data" in df.columns and "_metadata" in df.columns
    rows = {r.id: r for r in df.select("id", "price", "_rescued_data", "_metadata.file_path").collect()}
    assert rows["1"].price == "2.0" and rows["2"]._rescued_data is None
    assert rows["2"].file_path == "file:" + str(land / "b.json")
    assert (tmp_path / "schema" / "_schemas" / "0").is_file()


def test_infer_column_types_and_schema_hints(spark, tmp_path):
    land = tmp_path / "land"
    write_json(land, "a.json", [{"id": 1, "amount": 2.5, "ok": True, "code": 7}])
    start(spark, land, tmp_path, options={"cloudFiles.inferColumnTypes": "true",
                                          "cloudFiles.schemaHints": "code string, country string"})
    types = {f.name: f.dataType.simpleString() for f in table(spark, tmp_path).schema.fields}
    assert types["id"] == "bigint" and types["amount"] == "double" and types["ok"] == "boolean"
    assert types["code"] == "string" and types["country"] == "string"  # hint overrides / adds


def test_add_new_columns_fails_then_restart_picks_them_up(spark, tmp_path):
    land = tmp_path / "land"
    write_json(land, "1.json", [{"id": "1", "name": "a"}], mtime=1_000_000)
    start(spark, land, tmp_path)
    write_json(land, "2.json", [{"id": "2", "name": "b", "email": "b@x"}], mtime=1_000_100)
    with pytest.raises(Exception) as info:
        start(spark, land, tmp_path)
    assert "UNKNOWN_FIELD" in str(info.value) and "email" in str(info.value)
    assert (tmp_path / "schema" / "_schemas" / "1").is_file()
    start(spark, land, tmp_path, merge=True)  # the restart (mergeSchema for the Delta sink, as on Databricks)
    df = table(spark, tmp_path)
    assert sorted((r.id, r.email) for r in df.collect()) == [("1", None), ("2", "b@x")]


def test_rescue_type_mismatch_unknown_column_case_mismatch_and_malformed(spark, tmp_path):
    land = tmp_path / "land"
    opts = {"cloudFiles.schemaEvolutionMode": "rescue", "cloudFiles.schemaHints": "id int"}
    write_json(land, "a.json", [{"id": 1, "name": "a"}], mtime=1_000_000)
    start(spark, land, tmp_path, options=opts)  # schema inferred from a.json: id int (hint), name
    write_json(land, "b.json", [{"id": "abc", "name": "b"}, {"id": 3, "Name": "C"},
                                {"id": 4, "name": "d", "extra": 1}, '{"id": 5, "name": '], mtime=1_000_100)
    start(spark, land, tmp_path, options=opts)
    rows = table(spark, tmp_path).select("id", "name", "_rescued_data").collect()
    assert len(rows) == 5  # nothing is lost
    rescued = [json.loads(r._rescued_data) for r in rows if r._rescued_data]
    path = "file:" + str(land / "b.json")
    assert {"id": "abc", "_file_path": path} in rescued  # type mismatch
    assert {"Name": "C", "_file_path": path} in rescued  # case mismatch
    assert {"extra": 1, "_file_path": path} in rescued  # column not in the schema
    assert {"_corrupt_record": '{"id": 5, "name": ', "_file_path": path} in rescued  # malformed line
    assert sorted(r.id for r in rows if r.id is not None) == [1, 3, 4]


def test_fail_on_new_columns_and_none_mode(spark, tmp_path):
    land = tmp_path / "land"
    write_json(land, "a.json", [{"id": "1"}], mtime=1_000_000)
    start(spark, land, tmp_path, options={"cloudFiles.schemaEvolutionMode": "failOnNewColumns"})
    write_json(land, "b.json", [{"id": "2", "new_col": "x"}], mtime=1_000_100)
    with pytest.raises(Exception) as info:
        start(spark, land, tmp_path, options={"cloudFiles.schemaEvolutionMode": "failOnNewColumns"})
    assert "UNKNOWN_FIELD" in str(info.value) and "new_col" in str(info.value)
    assert not (tmp_path / "schema" / "_schemas" / "1").exists()  # failOnNewColumns does not evolve
    # a given schema: mode none, new columns ignored, no rescued column
    schema = StructType([StructField("id", StringType())])
    start(spark, land, tmp_path / "given", schema=schema)
    df = table(spark, tmp_path / "given")
    assert df.columns == ["id"] and sorted(r.id for r in df.collect()) == ["1", "2"]


def test_max_files_and_bytes_per_trigger_with_available_now(spark, tmp_path):
    land = tmp_path / "land"
    for i in range(3):
        write_json(land, f"{i}.json", [{"id": str(i)}] * 10, mtime=1_000_000 + i)
    query = start(spark, land, tmp_path, options={"cloudFiles.maxFilesPerTrigger": "1"})
    assert batches(query) == [10, 10, 10]
    query = start(spark, land, tmp_path / "bytes", options={"cloudFiles.maxBytesPerTrigger": "1"})
    assert batches(query) == [10, 10, 10]  # soft limit: at least one file per batch
    assert table(spark, tmp_path / "bytes").count() == 30


def test_restart_processes_only_new_files_and_ignores_temp_files(spark, tmp_path):
    land = tmp_path / "land"
    write_json(land, "a.json", [{"id": "1"}], mtime=1_000_000)
    start(spark, land, tmp_path)
    query = start(spark, land, tmp_path)
    assert batches(query) == []
    write_json(land, "b.json", [{"id": "2"}])
    write_json(land, ".b.json.tmp", [{"id": "tmp"}])
    write_json(land, "_b.json", [{"id": "tmp"}])
    start(spark, land, tmp_path)
    assert sorted(r.id for r in table(spark, tmp_path).collect()) == ["1", "2"]


def test_include_existing_files_false(spark, tmp_path):
    land = tmp_path / "land"
    write_json(land, "old.json", [{"id": "old"}], mtime=1_000_000)
    schema = StructType([StructField("id", StringType())])
    opts = {"cloudFiles.includeExistingFiles": "false"}
    start(spark, land, tmp_path, schema=schema, options=opts)
    write_json(land, "new.json", [{"id": "new"}])
    start(spark, land, tmp_path, schema=schema, options=opts)
    assert [r.id for r in table(spark, tmp_path).collect()] == ["new"]


def test_csv_parquet_and_text(spark, tmp_path):
    land = tmp_path / "csv"
    land.mkdir()
    (land / "a.csv").write_text("id;amount\n1;2.5\n2;x\n3;4;extra\n")
    start(spark, land, tmp_path, fmt="csv", out="csv",
          options={"header": "true", "sep": ";", "cloudFiles.inferColumnTypes": "true",
                   "cloudFiles.schemaHints": "amount double"})
    rows = {r.id: r for r in table(spark, tmp_path, "csv").collect()}
    assert table(spark, tmp_path, "csv").schema["id"].dataType.simpleString() == "int"
    assert rows[1].amount == 2.5 and rows[1]._rescued_data is None
    assert json.loads(rows[2]._rescued_data)["amount"] == "x"
    assert json.loads(rows[3]._rescued_data)["_corrupt_record"] == "3;4;extra"

    import pyarrow as pa
    import pyarrow.parquet as pq

    pland = tmp_path / "pq"
    pland.mkdir()
    pq.write_table(pa.table({"id": pa.array([1, 2], pa.int32()), "v": ["a", "b"]}), pland / "a.parquet")
    start(spark, pland, tmp_path / "p", fmt="parquet")
    df = table(spark, tmp_path / "p")
    assert df.schema["id"].dataType.simpleString() == "int" and df.count() == 2

    tland = tmp_path / "txt"
    tland.mkdir()
    (tland / "a.txt").write_text("hello\nworld\n")
    start(spark, tland, tmp_path / "t", fmt="text")
    assert sorted(r.value for r in table(spark, tmp_path / "t").collect()) == ["hello", "world"]


def test_unknown_and_unsupported_options_fail_the_start(spark, tmp_path):
    land = tmp_path / "land"
    write_json(land, "a.json", [{"id": "1"}])
    for key, value in (("cloudFiles.maxFilesPerTriger", "1"), ("cloudFiles.useNotifications", "true")):
        with pytest.raises(Exception) as info:
            start(spark, land, tmp_path / key, options={key: value})
        assert "CLOUDFILES_OPTION" in str(info.value) and key.lower() in str(info.value).lower()
    with pytest.raises(Exception) as info:
        start(spark, land, tmp_path / "noloc", schema=StructType([StructField("id", StringType())]),
              options={"rescuedDataColumn": "_rescued"})
    assert "CLOUDFILES_OPTION" in str(info.value) and "_rescued" in str(info.value)


_CHILD = textwrap.dedent("""
    import sys
    from lakehouse import get_spark
    land, base = sys.argv[1], sys.argv[2]
    spark = get_spark()
    q = (spark.readStream.format("cloudFiles").option("cloudFiles.format", "json")
         .option("cloudFiles.schemaLocation", base + "/schema").option("cloudFiles.maxFilesPerTrigger", 1)
         .load(land).writeStream.format("delta").option("checkpointLocation", base + "/chk-out")
         .trigger(availableNow=True).start(base + "/out"))
    q.awaitTermination()
""")


def test_kill_9_mid_stream_then_restart_is_exactly_once(spark, tmp_path):
    land = tmp_path / "land"
    for i in range(40):
        write_json(land, f"{i:03d}.json", [{"id": f"{i}-{j}"} for j in range(25)], mtime=1_000_000 + i)
    env = dict(os.environ, LAKEHOUSE_HOME=str(tmp_path / "child-home"), LAKEHOUSE_SPARK_MODE="classic")
    env.pop("SPARK_REMOTE", None)
    child = subprocess.Popen([sys.executable, "-c", _CHILD, str(land), str(tmp_path)], env=env,
                             start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    log = tmp_path / "out" / "_delta_log"
    deadline = time.monotonic() + 240
    try:
        while time.monotonic() < deadline:
            commits = list(log.glob("*.json")) if log.is_dir() else []
            if len(commits) >= 3 or child.poll() is not None:
                break
            time.sleep(0.2)
    finally:
        os.killpg(child.pid, signal.SIGKILL)
        child.wait()
    committed = len(list(log.glob("*.json")))
    assert 3 <= committed < 40, "the stream was not killed mid-way"
    start(spark, land, tmp_path)  # restart with the same checkpoint (on the shared engine)
    df = table(spark, tmp_path)
    assert df.count() == 1000 and df.select("id").distinct().count() == 1000
    assert df.groupBy(F.col("_metadata.file_name")).count().filter("count != 25").count() == 0


def _python_daemons(engine_pid: int) -> int:
    """Python worker daemons started by the engine process."""
    out = subprocess.run(["ps", "-o", "args=", "--ppid", str(engine_pid)], capture_output=True, text=True)
    return sum("pyspark.daemon" in line for line in out.stdout.splitlines())


def test_streams_reuse_the_engines_python_workers(spark, test_home, tmp_path):
    """Each cloudFiles query used to start (and leave running) its own Python daemons."""
    from lakehouse.runtime.engine import engine_status

    pid = engine_status(test_home).pid
    write_json(tmp_path / "land", "a.json", [{"id": 1}])
    start(spark, tmp_path / "land", tmp_path / "warm")
    before = _python_daemons(pid)
    for i in range(3):
        query = start(spark, tmp_path / "land", tmp_path / f"run{i}")
        assert batches(query) == [1]
    assert _python_daemons(pid) == before
