"""The local ``cloudFiles`` parsers against Spark's own batch readers: same files, same
options, same schema -> same rows.

Databricks documents that Auto Loader accepts the options of the format's reader
(https://docs.databricks.com/aws/en/ingestion/cloud-object-storage/auto-loader/options,
"Generic options", "JSON options", "CSV options", "TEXT options"). Each case writes a few
tiny files, reads them with the code the ``cloudFiles`` stream reader runs in Spark's workers
(:func:`lakehouse.autoloader.reading.read_file` with a given schema, so no rescued data
column) and with ``spark.read.format(fmt).schema(...).options(...)``, and compares.
"""

from __future__ import annotations

import datetime as dt
import math
import os
from pathlib import Path

import pytest

from lakehouse.autoloader.file_log import listed_files
from lakehouse.autoloader.options import parse_options
from lakehouse.autoloader.output_schema import ReadPlan
from lakehouse.autoloader.reading import output_arrow_schema, read_file

BOM = b"\xef\xbb\xbf"

CSV_CASES = {
    "bom_header": (b"id,name\r\n1,ann\r\n2,bob\r\n", {"header": "true"}, "id INT, name STRING", BOM),
    "sep_semicolon": (b"a;b\n1;x\n2;y\n", {"header": "true", "sep": ";"}, "a INT, b STRING", b""),
    "delimiter_tab": (b"a\tb\n1\tx\n", {"header": "true", "delimiter": "\t"}, "a INT, b STRING", b""),
    "quote_and_escape": (b"id,t\n1,'a,b'\n2,'it\\'s'\n", {"header": "true", "quote": "'"}, "id INT, t STRING", b""),
    "escape_char": (b'id,t\n1,"say #"hi#""\n', {"header": "true", "escape": "#"}, "id INT, t STRING", b""),
    "default_escape": (b'id,t\n1,"a \\"q\\" b"\n2,""\n3,\n', {"header": "true"}, "id INT, t STRING", b""),
    "multiline": (b'id,t\n1,"line1\nline2"\n2,x\n', {"header": "true", "multiLine": "true"}, "id INT, t STRING", b""),
    "null_value": (b"id,t\n1,NA\n2,x\n3,\n", {"header": "true", "nullValue": "NA"}, "id INT, t STRING", b""),
    "comment": (b"#c1\nid,t\n1,x\n#c2\n2,y\n", {"header": "true", "comment": "#"}, "id INT, t STRING", b""),
    "whitespace": (b"id,t\n1,  x  \n2, y\n", {"header": "true", "ignoreLeadingWhiteSpace": "true",
                                               "ignoreTrailingWhiteSpace": "true"}, "id INT, t STRING", b""),
    "date_format": (b"id,d,ts\n1,02/01/2020,02/01/2020 13:45\n2,bad,x\n",
                    {"header": "true", "dateFormat": "dd/MM/yyyy", "timestampFormat": "dd/MM/yyyy HH:mm"},
                    "id INT, d DATE, ts TIMESTAMP", b""),
    "nan_inf": (b"id,v\n1,nan\n2,+inf\n3,-inf\n4,1.5\n",
                {"header": "true", "nanValue": "nan", "positiveInf": "+inf", "negativeInf": "-inf"},
                "id INT, v DOUBLE", b""),
    "drop_malformed": (b"id,v\n1,2\n2,x\n3,4,5\n4\n", {"header": "true", "mode": "DROPMALFORMED"},
                       "id INT, v INT", b""),
    "latin1": ("id,name\n1,café\n2,Zoë\n".encode("latin-1"), {"header": "true", "encoding": "ISO-8859-1"},
               "id INT, name STRING", b""),
    "charset_alias": ("id,name\n1,café\n".encode("latin-1"), {"header": "true", "charset": "iso-8859-1"},
                      "id INT, name STRING", b""),
    "no_header": (b"1,x\n2,y\n", {}, "_c0 INT, _c1 STRING", b""),
    "line_sep": (b"id,t\r1,x\r2,y\r", {"header": "true", "lineSep": "\r"}, "id INT, t STRING", b""),
    "path_glob_filter": (b"id\n1\n", {"header": "true", "pathGlobFilter": "*.csv"}, "id INT", b""),
}

JSON_CASES = {
    "bom": (b'{"id": 1, "name": "ann"}\n{"id": 2, "name": "bob"}\n', {}, "id INT, name STRING", BOM),
    "multiline": (b'[{"id": 1,\n "name": "a"},\n {"id": 2, "name": "b"}]', {"multiLine": "true"},
                  "id INT, name STRING", b""),
    "single_quotes_default": (b"{'id': 1, 'name': 'a'}\n", {}, "id INT, name STRING", b""),
    "single_quotes_off": (b"{'id': 1, 'name': 'a'}\n{\"id\": 2}\n", {"allowSingleQuotes": "false"},
                          "id INT, name STRING", b""),
    "comments": (b'{"id": 1, /* c */ "name": "a"}\n{"id": 2} // tail\n', {"allowComments": "true"},
                 "id INT, name STRING", b""),
    "unquoted_names": (b'{id: 1, name: "a"}\n', {"allowUnquotedFieldNames": "true"}, "id INT, name STRING", b""),
    "leading_zeros": (b'{"id": 007}\n{"id": 8}\n', {"allowNumericLeadingZeros": "true"}, "id INT", b""),
    "leading_zeros_off": (b'{"id": 007}\n{"id": 8}\n', {}, "id INT", b""),
    "non_numeric": (b'{"v": NaN}\n{"v": -Infinity}\n{"v": 1.5}\n', {}, "v DOUBLE", b""),
    "backslash_any": (b'{"t": "a\\qb"}\n', {"allowBackslashEscapingAnyCharacter": "true"}, "t STRING", b""),
    "date_format": (b'{"d": "02/01/2020", "ts": "02/01/2020 13:45"}\n{"d": "x", "ts": "y"}\n',
                    {"dateFormat": "dd/MM/yyyy", "timestampFormat": "dd/MM/yyyy HH:mm"}, "d DATE, ts TIMESTAMP", b""),
    "drop_malformed": (b'{"id": 1}\n{"id": "x"}\n{bad\n{"id": 3}\n', {"mode": "DROPMALFORMED"}, "id INT", b""),
    "latin1": ('{"name": "café"}\n'.encode("latin-1"), {"encoding": "ISO-8859-1", "lineSep": "\n"},
               "name STRING", b""),
    "line_sep": (b'{"id": 1}|{"id": 2}|', {"lineSep": "|"}, "id INT", b""),
    "nested": (b'{"m": {"a": 1, "b": [1, 2]}, "arr": [{"x": "1"}]}\n', {},
               "m STRUCT<a: INT, b: ARRAY<INT>>, arr ARRAY<STRUCT<x: STRING>>", b""),
    "case_insensitive": (b'{"ID": 1, "Name": "a"}\n', {}, "id INT, name STRING", b""),
}

TEXT_CASES = {
    "bom": (b"hello\r\nworld\n\nend", {}, "value STRING", BOM),
    "line_sep": (b"a;b;c", {"lineSep": ";"}, "value STRING", b""),
    "whole_text": (b"a\nb\n", {"wholeText": "true"}, "value STRING", b""),
    "modified_after": (b"a\n", {"modifiedAfter": "2000-01-01T00:00:00"}, "value STRING", b""),
}


def _norm(value):
    if isinstance(value, float) and math.isnan(value):
        return "NaN"
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.astimezone(dt.timezone.utc).replace(tzinfo=None)
    if isinstance(value, dict):
        return tuple(sorted((k, _norm(v)) for k, v in value.items()))
    if isinstance(value, list):
        return [_norm(v) for v in value]
    if hasattr(value, "asDict"):
        return _norm(value.asDict(recursive=True))
    return value


def local_rows(spark, folder: Path, fmt: str, options: dict, ddl: str) -> list:
    """Rows as the cloudFiles stream reader builds them (given schema)."""
    schema = spark.createDataFrame([], ddl).schema
    opts = parse_options({"cloudFiles.format": fmt, "path": str(folder), **options}, user_schema=True)
    plan = ReadPlan.build(opts, schema)
    rows = []
    for entry in listed_files(opts):
        for batch in read_file(entry, plan, output_arrow_schema(schema), {}):
            rows.extend(tuple(_norm(r[n]) for n in schema.fieldNames()) for r in batch.to_pylist())
    return sorted(rows, key=repr)


def spark_rows(spark, folder: Path, fmt: str, options: dict, ddl: str) -> list:
    df = spark.read.format(fmt).schema(ddl).options(**options).load(str(folder))
    return sorted((tuple(_norm(v) for v in row) for row in df.collect()), key=repr)


def _write(tmp_path: Path, fmt: str, data: bytes, prefix: bytes) -> Path:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / f"part-0.{fmt}").write_bytes(prefix + data)
    if fmt == "csv":
        (folder / "skipped.txt").write_bytes(b"not,a,csv\n")  # only read without pathGlobFilter
        os.remove(folder / "skipped.txt")
    return folder


@pytest.mark.parametrize("fmt,case", [("csv", c) for c in CSV_CASES] + [("json", c) for c in JSON_CASES]
                         + [("text", c) for c in TEXT_CASES])
def test_local_reader_equals_spark_reader(spark, tmp_path, fmt, case):
    data, options, ddl, prefix = {"csv": CSV_CASES, "json": JSON_CASES, "text": TEXT_CASES}[fmt][case]
    folder = _write(tmp_path, fmt, data, prefix)
    expected = spark_rows(spark, folder, fmt, options, ddl)
    assert expected, "the case must produce rows"
    assert local_rows(spark, folder, fmt, options, ddl) == expected


def test_partition_folders_equal_spark_reader(spark, tmp_path):
    for country, rows in (("FR", b'{"id": 1}\n'), ("DE", b'{"id": 2}\n{"id": 3}\n')):
        folder = tmp_path / "in" / f"country={country}"
        folder.mkdir(parents=True)
        (folder / "a.json").write_bytes(rows)
    ddl = "id INT, country STRING"
    assert local_rows(spark, tmp_path / "in", "json", {}, ddl) == spark_rows(spark, tmp_path / "in", "json", {}, ddl)
    only = local_rows(spark, tmp_path / "in", "json", {"cloudFiles.partitionColumns": ""}, ddl)
    assert {r[1] for r in only} == {None}  # "" turns folder columns off


def test_failfast_stops_at_the_first_malformed_record(tmp_path):
    from lakehouse.autoloader.errors import MalformedRecordError
    from pyspark.sql.types import IntegerType, StructField, StructType

    folder = _write(tmp_path, "json", b'{"id": 1}\n{"id": \n', b"")
    opts = parse_options({"cloudFiles.format": "json", "path": str(folder), "mode": "FAILFAST"}, user_schema=True)
    schema = StructType([StructField("id", IntegerType())])
    plan = ReadPlan.build(opts, schema)
    with pytest.raises(MalformedRecordError) as info:
        list(read_file(listed_files(opts)[0], plan, output_arrow_schema(schema), {}))
    assert info.value.code == "CLOUDFILES_MALFORMED_RECORD" and "part-0.json" in str(info.value)


def test_parquet_and_orc_names_match_case_insensitively_as_in_spark(spark, tmp_path):
    import pyarrow as pa
    import pyarrow.orc as porc
    import pyarrow.parquet as pq

    table = pa.table({"ID": pa.array([1, 2], pa.int32()), "Name": ["a", "b"]})
    for fmt, write in (("parquet", pq.write_table), ("orc", porc.write_table)):
        folder = tmp_path / fmt
        folder.mkdir()
        write(table, str(folder / f"a.{fmt}"))
        ddl = "id INT, name STRING"
        assert local_rows(spark, folder, fmt, {}, ddl) == spark_rows(spark, folder, fmt, {}, ddl) == [(1, "a"), (2, "b")]
