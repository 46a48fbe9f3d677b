"""Unit tests of the local Auto Loader pieces that need no Spark: options, hints, schema
store, file log, conversion and rescue."""

from __future__ import annotations

import json
import os
import time

import pyarrow as pa
import pytest
from pyspark.sql.types import IntegerType, LongType, StringType, StructField, StructType

from lakehouse.autoloader import CloudFilesOptionError, SchemaInferenceError, register_cloud_files
from lakehouse.autoloader.conversion import convert
from lakehouse.autoloader.file_log import FileEntry, FileLog, list_files
from lakehouse.autoloader.formats import parse_bytes
from lakehouse.autoloader.options import parse_byte_size, parse_options, reader_options
from lakehouse.autoloader.output_schema import ReadPlan, output_schema
from lakehouse.autoloader.reading import assemble
from lakehouse.autoloader.schema_hints import apply_hints, parse_ddl_columns
from lakehouse.autoloader.schema_store import SchemaStore
from lakehouse.errors import LakehouseError

BASE = {"cloudFiles.format": "json", "path": "/in", "cloudFiles.schemaLocation": "/s"}


def _opts(**extra):
    return parse_options({**BASE, **extra}, user_schema=False)


def test_defaults_follow_databricks():
    o = _opts()
    assert (o.evolution_mode, o.rescued_column, o.max_files, o.max_bytes, o.include_existing,
            o.infer_column_types) == ("addNewColumns", "_rescued_data", 1000, None, True, False)
    given = parse_options({"cloudFiles.format": "csv", "path": "/in"}, user_schema=True)
    assert (given.evolution_mode, given.rescued_column) == ("none", None)


def test_option_names_are_case_insensitive():
    o = parse_options({"CLOUDFILES.FORMAT": "CSV", "PATH": "/in", "cloudfiles.schemalocation": "/s",
                       "cloudFiles.MaxFilesPerTrigger": "5", "HEADER": "true"}, user_schema=False)
    assert (o.format, o.max_files, o.header) == ("csv", 5, True)


@pytest.mark.parametrize("key,value,named", [
    ("cloudFiles.maxFilesPerTriger", "1", "cloudfiles.maxfilespertriger"),  # typo: unknown
    ("cloudFiles.useNotifications", "true", "cloudFiles.useNotifications"),
    ("cloudFiles.backfillInterval", "1 day", "cloudfiles.backfillinterval"),  # Databricks-only
    ("cloudFiles.maxFilesPerTrigger", "0", "cloudFiles.maxFilesPerTrigger"),
    ("cloudFiles.maxFilesPerTrigger", "many", "cloudFiles.maxFilesPerTrigger"),
    ("cloudFiles.maxBytesPerTrigger", "lots", "cloudFiles.maxBytesPerTrigger"),
    ("cloudFiles.inferColumnTypes", "yes", "cloudFiles.inferColumnTypes"),
    ("cloudFiles.includeExistingFiles", "maybe", "cloudFiles.includeExistingFiles"),
    ("cloudFiles.schemaEvolutionMode", "merge", "cloudFiles.schemaEvolutionMode"),
    ("cloudFiles.allowOverwrites", "true", "cloudFiles.allowOverwrites"),
    ("badRecordsPath", "/x", "badRecordsPath"),
    ("header", "true", "header"),  # a csv option on a json stream
    ("mode", "FASTFAIL", "mode"),
    ("allowComments", "true", None),  # a json option on a json stream
    ("columnNameOfCorruptRecord", "_bad", "columnNameOfCorruptRecord"),  # documented, not local
    ("sep", ";;", "sep"),
    ("multiLine", "true", None),  # fine for json
])
def test_bad_options_fail_naming_the_option(key, value, named):
    if named is None:
        _opts(**{key: value})
        return
    with pytest.raises(CloudFilesOptionError) as info:
        _opts(**{key: value})
    assert info.value.code == "CLOUDFILES_OPTION"
    assert isinstance(info.value, LakehouseError)
    assert named in str(info.value) and "Fix:" in str(info.value)


def test_typo_suggests_the_option():
    with pytest.raises(CloudFilesOptionError, match="did you mean cloudFiles.maxFilesPerTrigger"):
        _opts(**{"cloudFiles.maxFilesPerTriger": "1"})


def test_required_and_conflicting_options():
    with pytest.raises(CloudFilesOptionError, match="cloudFiles.format is required"):
        parse_options({"path": "/in"}, user_schema=True)
    with pytest.raises(CloudFilesOptionError, match="cloudFiles.schemaLocation"):
        parse_options({"cloudFiles.format": "json", "path": "/in"}, user_schema=False)
    with pytest.raises(CloudFilesOptionError, match="addNewColumns"):
        parse_options({"cloudFiles.format": "json", "path": "/in",
                       "cloudFiles.schemaEvolutionMode": "addNewColumns"}, user_schema=True)
    with pytest.raises(CloudFilesOptionError, match="not supported locally"):
        _opts(**{"cloudFiles.format": "avro"})
    with pytest.raises(CloudFilesOptionError, match="not a file format"):
        _opts(**{"cloudFiles.format": "excel"})
    with pytest.raises(CloudFilesOptionError, match="input path"):
        parse_options({"cloudFiles.format": "json"}, user_schema=True)
    with pytest.raises(CloudFilesOptionError, match="mapping"):
        parse_options([("cloudFiles.format", "json")], user_schema=True)


def test_byte_sizes():
    assert parse_byte_size("10g") == 10 * 1024**3
    assert parse_byte_size("1048576") == 1048576
    with pytest.raises(CloudFilesOptionError):
        parse_byte_size("0")


def test_schema_hints_parse_and_apply():
    cols = parse_ddl_columns("id bigint, price decimal(10,2), tags array<string>, m map<string,int>, "
                             "s struct<a: int, b string>, `odd name` date NOT NULL")
    assert [(n, t.simpleString()) for n, t in cols] == [
        ("id", "bigint"), ("price", "decimal(10,2)"), ("tags", "array<string>"), ("m", "map<string,int>"),
        ("s", "struct<a:int,b:string>"), ("odd name", "date")]
    inferred = StructType([StructField("ID", StringType()), StructField("x", StringType())])
    assert apply_hints(inferred, "id int, y double").simpleString() == "struct<ID:int,x:string,y:double>"
    for bad in ("id", "id notatype", "m map<string>", ""):
        with pytest.raises(SchemaInferenceError) as info:
            parse_ddl_columns(bad)
        assert info.value.code == "CLOUDFILES_SCHEMA_INFERENCE"


def test_schema_store_versions_and_evolution(tmp_path):
    store = SchemaStore(str(tmp_path))
    assert store.latest() is None
    assert store.write(StructType([StructField("a", StringType())])) == 0
    version, schema = store.evolve(StructType([StructField("B", LongType()), StructField("A", LongType())]))
    assert version == 1 and schema.simpleString() == "struct<a:string,B:bigint>"  # existing type kept
    assert store.evolve(StructType([StructField("b", StringType())]))[0] == 1  # nothing new
    assert sorted(os.listdir(tmp_path / "_schemas")) == ["0", "1"]
    assert (tmp_path / "_schemas" / "0").read_text().startswith("v1\n")
    with pytest.raises(FileExistsError):
        store.write(StructType([]), version=1)


def test_file_listing_ignores_temp_files_and_orders_by_time(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "_tmp").mkdir()
    for i, name in enumerate(["b.json", "sub/a.json", ".c.json", "_d.json", "_tmp/e.json", "f.json._COPYING_"]):
        path = tmp_path / name
        path.write_text("{}\n")
        os.utime(path, (time.time(), 1_000_000 + i))
    assert [os.path.relpath(e.path, tmp_path) for e in list_files(str(tmp_path))] == ["b.json", "sub/a.json"]
    assert list_files(str(tmp_path), "a*") == [e for e in list_files(str(tmp_path)) if e.path.endswith("a.json")]
    assert list_files(str(tmp_path / "missing")) == []


def test_file_log_is_append_only_and_durable(tmp_path):
    log = FileLog.create(tmp_path, [FileEntry("/x", 1, 1)])
    log.append([FileEntry("/a", 2, 2), FileEntry("/b", 3, 3)])
    again = FileLog(log.dir)
    assert [e.path for e in again.entries()] == ["/x", "/a", "/b"] and again.initial_index() == 1
    assert again.known("/a") and not again.known("/c")


def test_conversion_flags_values_that_do_not_fit():
    values, bad = convert(pa.array([1, 2**40, None]), IntegerType(), parse_strings=False)
    assert values.to_pylist() == [1, None, None] and bad.to_pylist() == [False, True, False]
    values, bad = convert(pa.array(["7", "x"]), LongType(), parse_strings=False)  # JSON string != number
    assert values.to_pylist() == [None, None] and bad.to_pylist() == [True, True]
    values, bad = convert(pa.array([1.0, 2.5, None]), StringType(), parse_strings=False)
    assert values.to_pylist() == ["1.0", "2.5", None] and bad is None


def test_rescue_builds_databricks_shaped_json():
    data = (b'{"id": 1, "name": "a", "Name": "A", "extra": {"k": [1, 2]}}\n'
            b'{"id": "abc", "name": "b\\"q"}\n'
            b'not json\n')
    raw = parse_bytes(data, reader_options("json"), hints={})
    opts = _opts()
    out_schema = output_schema(StructType([StructField("id", IntegerType()), StructField("name", StringType())]), opts)
    plan = ReadPlan.build(parse_options({**BASE, "cloudFiles.schemaEvolutionMode": "rescue"}, user_schema=False),
                          out_schema)
    cols, malformed = assemble(raw, plan, FileEntry("/in/f.json", len(data), 0))
    assert malformed.to_pylist() == [False, False, True]  # only the unparseable line
    assert cols["id"].to_pylist() == [1, None, None]
    rescued = [json.loads(v) if v else None for v in cols["_rescued_data"].to_pylist()]
    assert rescued[0] == {"Name": "A", "extra": {"k": [1, 2]}, "_file_path": "file:/in/f.json"}
    assert rescued[1] == {"id": "abc", "_file_path": "file:/in/f.json"}
    assert rescued[2] == {"_corrupt_record": "not json", "_file_path": "file:/in/f.json"}
    assert cols["_metadata"].to_pylist()[0]["file_name"] == "f.json"


def test_csv_bad_rows_are_kept():
    data = b"id,name\n1,a\n2,b,extra\n3\n"
    raw = parse_bytes(data, reader_options("csv", header=True), hints={})
    assert raw.num_rows == 3
    assert raw.corrupt.to_pylist() == [None, "2,b,extra", "3"]
    assert raw.columns["id"].to_pylist() == ["1", "2", "3"]


def test_register_needs_a_session():
    with pytest.raises(CloudFilesOptionError):
        register_cloud_files("not a session")


def test_evolution_mode_none_rescues_nothing_unless_asked():
    from lakehouse.autoloader.options import parse_options

    base = {"cloudFiles.format": "json", "path": "/in", "cloudFiles.schemaLocation": "/s",
            "cloudFiles.schemaEvolutionMode": "none"}
    assert parse_options(base, user_schema=False).rescued_column is None
    asked = dict(base, rescuedDataColumn="_bad")
    assert parse_options(asked, user_schema=False).rescued_column == "_bad"


def _rescue_plan(schema: StructType, **extra):
    opts = parse_options({**BASE, "cloudFiles.schemaEvolutionMode": "rescue", **extra}, user_schema=False)
    return ReadPlan.build(opts, output_schema(schema, opts))


def test_reader_case_sensitive_decides_whether_other_casings_are_rescued():
    data = b'{"id": 1, "Name": "A"}\n'
    raw = parse_bytes(data, reader_options("json"), hints={})
    schema = StructType([StructField("id", IntegerType()), StructField("name", StringType())])
    entry = FileEntry("/in/f.json", len(data), 0)
    cols, _ = assemble(raw, _rescue_plan(schema), entry)  # default true: rescued
    assert cols["name"].to_pylist() == [None]
    assert json.loads(cols["_rescued_data"][0].as_py()) == {"Name": "A", "_file_path": "file:/in/f.json"}
    cols, _ = assemble(raw, _rescue_plan(schema, readerCaseSensitive="false"), entry)
    assert cols["name"].to_pylist() == ["A"] and cols["_rescued_data"].to_pylist() == [None]


def test_nested_new_field_per_evolution_mode(tmp_path):
    from lakehouse.autoloader import UnknownFieldError
    from lakehouse.autoloader.reading import check_new_columns

    merchant = StructType([StructField("name", StringType())])
    schema = StructType([StructField("id", StringType()), StructField("merchant", merchant)])
    data = b'{"id": "1", "merchant": {"name": "M", "since": "2020"}}\n'
    raw = parse_bytes(data, reader_options("json"), hints={})
    entry = FileEntry("/in/f.json", len(data), 0)
    store = SchemaStore(str(tmp_path))
    store.write(schema)
    for mode, version in (("failOnNewColumns", 0), ("addNewColumns", 1)):
        opts = parse_options({**BASE, "cloudFiles.schemaLocation": str(tmp_path),
                              "cloudFiles.schemaEvolutionMode": mode}, user_schema=False)
        with pytest.raises(UnknownFieldError, match=r"\[merchant\.since\]"):
            check_new_columns(raw, ReadPlan.build(opts, output_schema(schema, opts)), entry)
        assert store.latest()[0] == version  # only addNewColumns stores a new version
    assert store.latest()[1]["merchant"].dataType.simpleString() == "struct<name:string,since:string>"
    cols, _ = assemble(raw, _rescue_plan(schema), entry)  # rescue: the column's value is kept whole
    assert cols["merchant"].to_pylist() == [{"name": "M"}]
    rescued = json.loads(cols["_rescued_data"][0].as_py())
    assert rescued["merchant"] == {"name": "M", "since": "2020"}


def test_json_records_need_the_switch_that_allows_them():
    from lakehouse.autoloader import relaxed_json

    assert relaxed_json.loads("{'a': 1}", {"allowsinglequotes"}) == {"a": 1}
    for text, flag in (("{'a': 1}", "allowsinglequotes"), ('{"a": 1 /* c */}', "allowcomments"),
                       ("{a: 1}", "allowunquotedfieldnames"), ('{"a": 01}', "allownumericleadingzeros"),
                       ('{"a": NaN}', "allownonnumericnumbers"), ('{"a": "\\q"}', "allowbackslashescapinganycharacter")):
        with pytest.raises(ValueError):
            relaxed_json.loads(text, set())
        relaxed_json.loads(text, {flag})


def test_encodings_follow_spark_and_json_needs_line_sep():
    assert _opts(encoding="ISO-8859-1", lineSep="\n").encoding == "iso8859-1"
    with pytest.raises(CloudFilesOptionError, match="lineSep"):
        _opts(encoding="ISO-8859-1")
    with pytest.raises(CloudFilesOptionError, match="encoding"):
        parse_options({**BASE, "cloudFiles.format": "csv", "charset": "latin1"}, user_schema=False)


def test_nested_hints_as_documented():
    """The forms of the Databricks schema page: struct field, array element, map key / value."""
    from pyspark.sql.types import ArrayType, MapType

    users = ArrayType(StructType([StructField("id", StringType()), StructField("name", StringType())]))
    descriptions = MapType(StringType(), StructType([StructField("content", IntegerType())]))
    schema = StructType([StructField("locations", ArrayType(IntegerType())), StructField("users", users),
                         StructField("names", MapType(StringType(), StringType())),
                         StructField("prices", MapType(StringType(), StringType())),
                         StructField("descriptions", descriptions)])
    hinted = apply_hints(schema, "locations.element STRING, users.element.id INT, names.key INT, "
                                 "prices.value INT, descriptions.value.content STRING")
    assert [f.dataType.simpleString() for f in hinted.fields] == [
        "array<string>", "array<struct<id:int,name:string>>", "map<int,string>", "map<string,int>",
        "map<string,struct<content:string>>"]
    for bad in ("users.id INT", "names.entry INT", "locations.element.x INT"):
        with pytest.raises(SchemaInferenceError) as info:
            apply_hints(schema, bad)
        assert bad.split()[0] in str(info.value)


def test_partition_columns_option_and_folders(tmp_path):
    from lakehouse.autoloader.output_schema import partition_values
    from lakehouse.autoloader.schema_inference import add_partition_columns

    files = [FileEntry(str(tmp_path / "year=2024" / "month=01" / "a.json"), 1, 1),
             FileEntry(str(tmp_path / "year=2025" / "b.json"), 1, 2)]
    data = StructType([StructField("id", StringType())])
    inferred = add_partition_columns(data, files, _opts(path=str(tmp_path)))
    assert inferred.fieldNames() == ["id", "year", "month"]
    chosen = add_partition_columns(data, files, _opts(path=str(tmp_path), **{"cloudFiles.partitionColumns": "year"}))
    assert chosen.fieldNames() == ["id", "year"]
    assert add_partition_columns(data, files, _opts(path=str(tmp_path), **{"cloudFiles.partitionColumns": ""})) == data
    assert partition_values(files[1].path, str(tmp_path)) == {"year": "2025"}
    assert partition_values(str(tmp_path / "k=__HIVE_DEFAULT_PARTITION__" / "c.json"), str(tmp_path)) == {"k": None}
