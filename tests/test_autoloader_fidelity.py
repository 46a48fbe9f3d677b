"""Auto Loader behaviours reported missing in issue 11, end to end on real streams: a CSV
with a byte-order mark, nested schema hints, folder partition columns, nested schema
evolution, and errors whose first line is ours over Spark Connect and in classic mode
(https://docs.databricks.com/aws/en/ingestion/cloud-object-storage/auto-loader/schema and
.../auto-loader/options)."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import textwrap

import pytest
from test_autoloader_stream import start, table, write_json

from lakehouse.autoloader import CloudFilesOptionError, SchemaInferenceError, UnknownFieldError


def test_csv_with_a_byte_order_mark_names_its_first_column_id(spark, tmp_path):
    land = tmp_path / "land"
    land.mkdir()
    (land / "excel.csv").write_bytes(b"\xef\xbb\xbf" + b"id,name\r\n1,ann\r\n2,bob\r\n")
    start(spark, land, tmp_path, fmt="csv", options={"header": "true"})
    df = table(spark, tmp_path)
    assert df.columns[:2] == ["id", "name"]
    assert sorted((r.id, r.name) for r in df.collect()) == [("1", "ann"), ("2", "bob")]
    spark_csv = spark.read.option("header", "true").csv(str(land))
    assert spark_csv.columns == df.columns[:2]


@pytest.mark.parametrize("header, columns", [(None, ["id", "name"]), ("false", ["_c0", "_c1"])])
def test_inferring_a_csv_schema_assumes_a_header(spark, tmp_path, header, columns):
    """Auto Loader assumes CSV headers while it infers a schema; header=false opts out
    (https://docs.databricks.com/aws/en/ingestion/cloud-object-storage/auto-loader/schema)."""
    land = tmp_path / "land"
    land.mkdir()
    (land / "a.csv").write_text("id,name\n1,ann\n")
    start(spark, land, tmp_path, fmt="csv", options={} if header is None else {"header": header})
    df = table(spark, tmp_path)
    assert df.columns[:2] == columns
    assert df.count() == (1 if header is None else 2)


def test_nested_schema_hint_and_partition_folders(spark, tmp_path):
    land = tmp_path / "land" / "country=FR"
    write_json(land, "a.json", [{"id": 1, "merchant": {"name": "M1", "since": "2020-01-02"}}])
    start(spark, tmp_path / "land", tmp_path, options={"cloudFiles.schemaHints": "merchant.since DATE"})
    df = table(spark, tmp_path)
    assert df.schema["merchant"].dataType.simpleString() == "struct<name:string,since:date>"
    assert df.schema["country"].dataType.simpleString() == "string"
    row = df.select("merchant.since", "country", "_rescued_data").first()
    assert (row.since, row.country, row._rescued_data) == (dt.date(2020, 1, 2), "FR", None)


def test_new_nested_field_evolves_the_schema_then_restart_reads_it(spark, tmp_path):
    land = tmp_path / "land"
    write_json(land, "1.json", [{"id": "1", "merchant": {"name": "M1"}}], mtime=1_000_000)
    start(spark, land, tmp_path)
    write_json(land, "2.json", [{"id": "2", "merchant": {"name": "M2", "since": "2021"}}], mtime=1_000_100)
    with pytest.raises(Exception) as info:
        start(spark, land, tmp_path)
    assert "UNKNOWN_FIELD" in str(info.value) and "merchant.since" in str(info.value)
    start(spark, land, tmp_path, merge=True)
    rows = table(spark, tmp_path).select("id", "merchant.since").collect()
    assert sorted((r.id, r.since) for r in rows) == [("1", None), ("2", "2021")]


def _reader(spark, land, schema_dir, **options):
    reader = (spark.readStream.format("cloudFiles").option("cloudFiles.format", "json")
              .option("cloudFiles.schemaLocation", str(schema_dir)))
    for key, value in options.items():
        reader = reader.option(key, value)
    return reader


def test_errors_read_as_one_line_over_spark_connect(spark, tmp_path):
    """Spark Connect analyses lazily: the source's errors come at .columns / .schema or at
    start(), as our own error (not PYTHON_DATA_SOURCE_ERROR with a worker traceback)."""
    land = tmp_path / "land"
    write_json(land, "a.json", [{"id": "1"}])
    typo = _reader(spark, land, tmp_path / "s1", **{"cloudFiles.maxFilesPerTriger": "1"}).load(str(land))
    with pytest.raises(CloudFilesOptionError) as info:
        typo.columns
    assert str(info.value).splitlines()[0].startswith("[CLOUDFILES_OPTION] Unknown option 'cloudfiles.maxfilespertriger'")
    assert "PYTHON_DATA_SOURCE_ERROR" in str(info.value.spark_error)  # the original is kept
    with pytest.raises(SchemaInferenceError) as info:
        _reader(spark, land, tmp_path / "s2").load(str(tmp_path / "empty")).printSchema()
    assert str(info.value).splitlines()[0].startswith("[CLOUDFILES_SCHEMA_INFERENCE] Unable to infer")
    df = _reader(spark, land, tmp_path / "s3", **{"cloudFiles.schemaHints": "id.element INT"}).load(str(land))
    with pytest.raises(SchemaInferenceError) as info:
        df.writeStream.format("noop").option("checkpointLocation", str(tmp_path / "chk")).start()
    first = str(info.value).splitlines()[0]
    assert first.startswith("[CLOUDFILES_SCHEMA_INFERENCE] cloudFiles.schemaHints: 'id.element'"), first
    assert "Fix:" in str(info.value)


_CLASSIC = textwrap.dedent("""
    import json, sys
    from lakehouse import get_spark
    land, base = sys.argv[1], sys.argv[2]
    spark = get_spark()
    out = []
    def reader(**options):
        r = (spark.readStream.format("cloudFiles").option("cloudFiles.format", "json")
             .option("cloudFiles.schemaLocation", base + "/s"))
        for k, v in options.items():
            r = r.option(k, v)
        return r
    for options in ({"cloudFiles.maxFilesPerTriger": "1"}, {"cloudFiles.schemaHints": "id.element INT"}):
        try:
            reader(**options).load(land).writeStream.format("noop").start().stop()
            out.append(None)
        except Exception as exc:
            out.append([type(exc).__name__, str(exc).splitlines()[0]])
    print(json.dumps(out))
""")


def test_errors_read_as_one_line_in_classic_mode(tmp_path):
    land = tmp_path / "land"
    write_json(land, "a.json", [{"id": "1"}])
    env = dict(os.environ, LAKEHOUSE_HOME=str(tmp_path / "home"), LAKEHOUSE_SPARK_MODE="classic")
    env.pop("SPARK_REMOTE", None)
    env.pop("SPARK_CONNECT_MODE_ENABLED", None)
    done = subprocess.run([sys.executable, "-c", _CLASSIC, str(land), str(tmp_path)], env=env,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    option, hint = json.loads(done.stdout.strip().splitlines()[-1])
    assert option[0] == "CloudFilesOptionError" and option[1].startswith("[CLOUDFILES_OPTION] Unknown option")
    assert hint[0] == "SchemaInferenceError" and hint[1].startswith("[CLOUDFILES_SCHEMA_INFERENCE] cloudFiles.schemaHints")


def test_unknown_field_error_class_is_exported():
    assert UnknownFieldError.code == "UNKNOWN_FIELD"
