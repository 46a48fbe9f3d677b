"""Parse one landed file into columns, with pyarrow (a per-record Python path only as fallback).

* json: ``pyarrow.json.read_json``; files pyarrow refuses (malformed lines, a key whose type
  changes between records, Spark's relaxed syntax such as single quotes) are read line by
  line with ``json.loads`` and :mod:`.relaxed_json`, so nothing is lost.
  Strings that pyarrow would turn into timestamps are re-read as strings (Spark's JSON reader
  keeps them as text unless a schema says otherwise).
* csv: ``pyarrow.csv.read_csv`` with every column as text; rows with the wrong number of
  fields are kept as corrupt records (their raw line), their fields filled where possible.
* parquet / orc: ``pyarrow.parquet`` / ``pyarrow.orc``; text: one ``value`` per line (or per
  file with ``wholeText``); binaryFile: one row per file.
* Text formats are decoded with ``encoding`` / ``charset`` and a UTF-8 byte-order mark is
  dropped, as Spark's readers do (Excel's "CSV UTF-8" starts with one).

Example:
    >>> from lakehouse.autoloader.options import reader_options
    >>> raw = parse_bytes(b'{"a": 1}\\n{"a": 2, "b": "x"}\\n', reader_options("json"), hints={})
    >>> raw.num_rows, sorted(raw.columns)
    (2, ['a', 'b'])
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from dataclasses import dataclass, field

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.json as pajson
import pyarrow.parquet as pq

from . import relaxed_json

_BLOCK = 8 << 20


@dataclass
class RawData:
    """A parsed file: columns by name (Arrow arrays or lists of Python values)."""

    columns: dict = field(default_factory=dict)
    num_rows: int = 0
    corrupt: pa.Array | None = None  # raw text of unparseable records (null for good rows)
    parse_strings: bool = False  # CSV: text values are parsed into the column types


_UTF8_BOM = b"\xef\xbb\xbf"
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def utf8_bytes(data: bytes, encoding: str = "utf-8") -> bytes:
    """``data`` as UTF-8 without a byte-order mark (Spark's readers skip it, as Excel writes it).

    Example:
        >>> utf8_bytes(bytes([0xEF, 0xBB, 0xBF]) + b"id"), utf8_bytes(bytes([0x63, 0xE9]), "iso8859-1")
        (b'id', b'c\\xc3\\xa9')
    """
    if encoding in ("utf-8", "utf8"):
        return data[3:] if data.startswith(_UTF8_BOM) else data
    text = data.decode(encoding, errors="replace")
    return text.lstrip("\ufeff").encode("utf-8")


def split_lines(text: str, line_sep: str | None) -> list[str]:
    """Lines as Spark's line readers cut them: ``\n``, ``\r\n`` or ``\r`` (or ``lineSep``);
    a final separator does not make an empty last line."""
    lines = text.split(line_sep) if line_sep else _LINE_BREAK.split(text)
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def parse_bytes(data: bytes, opts, *, hints: dict) -> RawData:
    """Parse the bytes of one file.

    Args:
        data: the file's content.
        opts: the stream's :class:`~lakehouse.autoloader.options.AutoLoaderOptions`
            (format and parser options).
        hints: JSON only: columns to read as strings, learned from earlier files of the batch
            (updated in place).

    Returns:
        A :class:`RawData`.
    """
    fmt = opts.format
    if fmt == "parquet":
        table = pq.read_table(pa.BufferReader(data))
        return RawData({n: table.column(n).combine_chunks() for n in table.column_names}, table.num_rows)
    if fmt == "orc":
        import pyarrow.orc as porc

        table = porc.ORCFile(pa.BufferReader(data)).read()
        return RawData({n: table.column(n).combine_chunks() for n in table.column_names}, table.num_rows)
    data = utf8_bytes(data, opts.encoding)
    if fmt == "json":
        return _parse_json(data, hints, opts)
    if fmt == "csv":
        return _parse_csv(data, opts)
    if fmt == "text":
        text = data.decode("utf-8", errors="replace")
        lines = [text] if opts.whole_text else split_lines(text, opts.line_sep)
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
    return parse_bytes(data, opts, hints=hints)


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


def _parse_json(data: bytes, hints: dict, opts) -> RawData:
    if opts.multiline or opts.line_sep not in (None, "\n", "\r\n"):
        return _json_python(data, opts)
    explicit = pa.schema(list(hints.items())) if hints else None
    try:
        table = _read_json(data, explicit)
    except pa.ArrowInvalid:
        if explicit is None:
            return _json_python(data, opts)
        try:
            table = _read_json(data, None)
        except pa.ArrowInvalid:
            return _json_python(data, opts)
    fixes = {f.name: t for f in table.schema if (t := _as_text(f.type)) is not None}
    if fixes:
        hints.update(fixes)
        order = table.column_names
        try:
            table = _read_json(data, pa.schema(list(hints.items())))
        except pa.ArrowInvalid:
            return _json_python(data, opts)
        table = table.select(order + [n for n in table.column_names if n not in order])
    if hints:  # a hinted column this file does not have comes back all null: drop it
        table = table.select([n for n in table.column_names
                              if not (n in hints and table.column(n).null_count == table.num_rows)])
    return RawData({n: table.column(n).combine_chunks() for n in table.column_names}, table.num_rows)


def _json_python(data: bytes, opts) -> RawData:
    """Record by record with ``json.loads`` (and Spark's relaxed switches when needed)."""
    text = data.decode("utf-8", errors="replace")
    records: list[dict] = []
    corrupt: list[str | None] = []
    flags = opts.json_flags
    if opts.multiline:
        try:
            obj = relaxed_json.loads(text, flags)
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
        for line in split_lines(text, opts.line_sep):
            if not line.strip():
                continue
            try:
                obj = relaxed_json.loads(line, flags)
            except (ValueError, RecursionError):
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

def _split_fields(line: str, opts) -> list[str]:
    return next(csv.reader([line], delimiter=opts.sep, quotechar=opts.quote,
                           escapechar=opts.escape if opts.escape != opts.quote else None), [])


def _header_names(first_line: str, opts) -> list[str]:
    fields = _split_fields(first_line, opts)
    if not opts.header:
        return [f"_c{i}" for i in range(len(fields))]
    names, seen = [], {}
    for i, name in enumerate(fields):
        name = name or f"_c{i}"
        if name in seen:  # Spark makes duplicate header names unique with their position
            name = f"{name}{i}"
        seen[name] = i
        names.append(name)
    return names


def _drop_lines(data: bytes, opts) -> bytes:
    """``skipRows`` (Databricks) and ``comment`` lines removed before parsing."""
    lines = data.decode("utf-8", errors="replace").splitlines(keepends=True)
    lines = lines[opts.skip_rows:]
    if opts.comment:
        lines = [ln for ln in lines if not ln.startswith(opts.comment)]
    return "".join(lines).encode("utf-8")


def _trim(col: pa.Array, opts) -> pa.Array:
    if opts.trim_leading and opts.trim_trailing:
        return pc.utf8_trim_whitespace(col)
    if opts.trim_leading:
        return pc.utf8_ltrim_whitespace(col)
    return pc.utf8_rtrim_whitespace(col) if opts.trim_trailing else col


def _parse_csv(data: bytes, opts) -> RawData:
    if opts.skip_rows or opts.comment:
        data = _drop_lines(data, opts)
    text_start = data[:65536].decode("utf-8", errors="replace")
    first = next((ln for ln in text_start.splitlines() if ln.strip()), None)
    if first is None:
        return RawData({}, 0, None, parse_strings=True)
    names = _header_names(first, opts)
    invalid: list[str] = []

    def on_invalid(row) -> str:
        invalid.append(row.text)
        return "skip"

    skip = 0
    if opts.header:  # the header is the first non-blank line
        skip = next(i for i, ln in enumerate(text_start.splitlines()) if ln.strip()) + 1
    escape = opts.escape if opts.escape and opts.escape != opts.quote else False
    table = pacsv.read_csv(
        io.BytesIO(data),
        read_options=pacsv.ReadOptions(column_names=names, skip_rows=skip, block_size=_BLOCK),
        parse_options=pacsv.ParseOptions(delimiter=opts.sep, quote_char=opts.quote, escape_char=escape,
                                         newlines_in_values=opts.multiline, invalid_row_handler=on_invalid),
        convert_options=pacsv.ConvertOptions(column_types={n: pa.string() for n in names},
                                             null_values=sorted({"", opts.null_value}), strings_can_be_null=True,
                                             quoted_strings_can_be_null=True),
    )
    columns = {n: _trim(table.column(n).combine_chunks(), opts) for n in names}
    n = table.num_rows
    corrupt = None
    if invalid:
        extra = [[] for _ in names]
        for line in invalid:
            fields = _split_fields(line, opts)
            for i in range(len(names)):
                value = fields[i] if i < len(fields) else None
                extra[i].append(value if value not in ("", opts.null_value) else None)
        columns = {name: pa.concat_arrays([columns[name], _trim(pa.array(extra[i], pa.string()), opts)])
                   for i, name in enumerate(names)}
        corrupt = pa.concat_arrays([pa.nulls(n, pa.string()), pa.array(invalid, pa.string())])
        n += len(invalid)
    return RawData(columns, n, corrupt, parse_strings=True)
