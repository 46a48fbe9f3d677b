"""Parse one landed file into columns, with pyarrow (a per-record Python path only as fallback).

* json: ``pyarrow.json.read_json``; files pyarrow refuses (malformed lines, a key whose type
  changes between records) are read line by line with ``json.loads`` so nothing is lost.
  Strings that pyarrow would turn into timestamps are re-read as strings (Spark's JSON reader
  keeps them as text unless a schema says otherwise).
* csv: ``pyarrow.csv.read_csv`` with every column as text; rows with the wrong number of
  fields are kept as corrupt records (their raw line), their fields filled where possible.
* parquet: ``pyarrow.parquet``; text: one ``value`` per line; binaryFile: one row per file.

Example:
    >>> raw = parse_bytes(b'{"a": 1}\\n{"a": 2, "b": "x"}\\n', "json", hints={})
    >>> raw.num_rows, sorted(raw.columns)
    (2, ['a', 'b'])
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from dataclasses import dataclass, field

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.json as pajson
import pyarrow.parquet as pq

_BLOCK = 8 << 20


@dataclass
class RawData:
    """A parsed file: columns by name (Arrow arrays or lists of Python values)."""

    columns: dict = field(default_factory=dict)
    num_rows: int = 0
    corrupt: pa.Array | None = None  # raw text of unparseable records (null for good rows)
    parse_strings: bool = False  # CSV: text values are parsed into the column types


@dataclass(frozen=True)
class CsvSettings:
    """The CSV options that matter for parsing."""

    header: bool = False
    sep: str = ","
    quote: str = '"'
    escape: str | None = None


def parse_bytes(data: bytes, fmt: str, *, hints: dict, csv_settings: CsvSettings | None = None,
                multiline: bool = False) -> RawData:
    """Parse the bytes of one file.

    Args:
        data: the file's content.
        fmt: json, csv, parquet or text.
        hints: JSON only: columns to read as strings, learned from earlier files of the batch
            (updated in place).
        csv_settings: CSV only.
        multiline: JSON only: one record (or an array of records) spans the whole file.

    Returns:
        A :class:`RawData`.
    """
    if fmt == "json":
        return _parse_json(data, hints, multiline)
    if fmt == "csv":
        return _parse_csv(data, csv_settings or CsvSettings())
    if fmt == "parquet":
        table = pq.read_table(pa.BufferReader(data))
        return RawData({n: table.column(n).combine_chunks() for n in table.column_names}, table.num_rows)
    if fmt == "text":
        lines = data.decode("utf-8", errors="replace").splitlines()
        return RawData({"value": pa.array(lines, pa.string())}, len(lines))
    raise ValueError(f"no parser for format {fmt!r}")


def parse_file(path: str, size: int, mtime_ms: int, opts, hints: dict) -> RawData:
    """Read and parse one landed file with the stream's options (:class:`AutoLoaderOptions`).

    Raises:
        FileNotFoundError: the file was deleted after it was listed.
    """
    with open(path, "rb") as fh:
        data = fh.read()
    if opts.format == "binaryfile":
        return binary_file(path, size, mtime_ms, data)
    settings = CsvSettings(opts.header, opts.sep, opts.quote, opts.escape)
    return parse_bytes(data, opts.format, hints=hints, csv_settings=settings, multiline=opts.multiline)


def binary_file(path: str, size: int, mtime_ms: int, data: bytes) -> RawData:
    """The one row of ``cloudFiles.format=binaryFile`` (path, modificationTime, length, content)."""
    ts = dt.datetime.fromtimestamp(mtime_ms / 1000, tz=dt.timezone.utc)
    return RawData({"path": pa.array(["file:" + path]), "modificationTime": pa.array([ts], pa.timestamp("us", "UTC")),
                    "length": pa.array([size], pa.int64()), "content": pa.array([data], pa.binary())}, 1)


# ---- JSON -------------------------------------------------------------------------------

def _read_json(data: bytes, explicit: pa.Schema | None) -> pa.Table:
    parse = pajson.ParseOptions(explicit_schema=explicit, unexpected_field_behavior="infer")
    return pajson.read_json(io.BytesIO(data), read_options=pajson.ReadOptions(block_size=_BLOCK),
                            parse_options=parse)


def _as_text(t: pa.DataType) -> pa.DataType | None:
    """``t`` with timestamp/date leaves as strings, or None when it has none."""
    if pa.types.is_timestamp(t) or pa.types.is_date(t):
        return pa.string()
    if pa.types.is_struct(t):
        children = [t.field(i) for i in range(t.num_fields)]
        fixed = [_as_text(c.type) for c in children]
        if all(f is None for f in fixed):
            return None
        return pa.struct([pa.field(c.name, f or c.type) for c, f in zip(children, fixed)])
    if pa.types.is_list(t):
        inner = _as_text(t.value_type)
        return pa.list_(inner) if inner is not None else None
    return None


def _parse_json(data: bytes, hints: dict, multiline: bool) -> RawData:
    if multiline:
        return _json_python(data, multiline=True)
    explicit = pa.schema(list(hints.items())) if hints else None
    try:
        table = _read_json(data, explicit)
    except pa.ArrowInvalid:
        if explicit is None:
            return _json_python(data)
        try:
            table = _read_json(data, None)
        except pa.ArrowInvalid:
            return _json_python(data)
    fixes = {f.name: t for f in table.schema if (t := _as_text(f.type)) is not None}
    if fixes:
        hints.update(fixes)
        order = table.column_names
        try:
            table = _read_json(data, pa.schema(list(hints.items())))
        except pa.ArrowInvalid:
            return _json_python(data)
        table = table.select(order + [n for n in table.column_names if n not in order])
    if hints:  # a hinted column this file does not have comes back all null: drop it
        table = table.select([n for n in table.column_names
                              if not (n in hints and table.column(n).null_count == table.num_rows)])
    return RawData({n: table.column(n).combine_chunks() for n in table.column_names}, table.num_rows)


def _json_python(data: bytes, multiline: bool = False) -> RawData:
    text = data.decode("utf-8", errors="replace")
    records: list[dict] = []
    corrupt: list[str | None] = []
    if multiline:
        try:
            obj = json.loads(text)
            items = obj if isinstance(obj, list) else [obj]
            for item in items:
                good = isinstance(item, dict)
                records.append(item if good else {})
                corrupt.append(None if good else json.dumps(item))
        except ValueError:
            if text.strip():
                records.append({})
                corrupt.append(text)
    else:
        for line in text.splitlines():
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except ValueError:
                obj = None
            good = isinstance(obj, dict)
            records.append(obj if good else {})
            corrupt.append(None if good else line)
    names: dict[str, None] = {}
    for rec in records:
        for key in rec:
            names.setdefault(key, None)
    columns = {name: [rec.get(name) for rec in records] for name in names}
    bad = pa.array(corrupt, pa.string()) if any(c is not None for c in corrupt) else None
    return RawData(columns, len(records), bad)


# ---- CSV --------------------------------------------------------------------------------

def _header_names(first_line: str, s: CsvSettings) -> list[str]:
    fields = next(csv.reader([first_line], delimiter=s.sep, quotechar=s.quote), [])
    if not s.header:
        return [f"_c{i}" for i in range(len(fields))]
    names, seen = [], {}
    for i, name in enumerate(fields):
        name = name or f"_c{i}"
        if name in seen:  # Spark makes duplicate header names unique with their position
            name = f"{name}{i}"
        seen[name] = i
        names.append(name)
    return names


def _parse_csv(data: bytes, s: CsvSettings) -> RawData:
    text_start = data[:65536].decode("utf-8", errors="replace")
    first = next((ln for ln in text_start.splitlines() if ln.strip()), None)
    if first is None:
        return RawData({}, 0, None, parse_strings=True)
    names = _header_names(first, s)
    invalid: list[str] = []

    def on_invalid(row) -> str:
        invalid.append(row.text)
        return "skip"

    table = pacsv.read_csv(
        io.BytesIO(data),
        read_options=pacsv.ReadOptions(column_names=names, skip_rows=1 if s.header else 0, block_size=_BLOCK),
        parse_options=pacsv.ParseOptions(delimiter=s.sep, quote_char=s.quote, escape_char=s.escape or False,
                                         invalid_row_handler=on_invalid),
        convert_options=pacsv.ConvertOptions(column_types={n: pa.string() for n in names}, null_values=[""],
                                             strings_can_be_null=True, quoted_strings_can_be_null=False),
    )
    columns = {n: table.column(n).combine_chunks() for n in names}
    n = table.num_rows
    corrupt = None
    if invalid:
        extra = [[] for _ in names]
        for line in invalid:
            fields = next(csv.reader([line], delimiter=s.sep, quotechar=s.quote), [])
            for i in range(len(names)):
                value = fields[i] if i < len(fields) else None
                extra[i].append(value if value != "" else None)
        columns = {name: pa.concat_arrays([columns[name], pa.array(extra[i], pa.string())])
                   for i, name in enumerate(names)}
        corrupt = pa.concat_arrays([pa.nulls(n, pa.string()), pa.array(invalid, pa.string())])
        n += len(invalid)
    return RawData(columns, n, corrupt, parse_strings=True)
