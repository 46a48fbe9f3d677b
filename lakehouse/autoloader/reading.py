"""Turn one landed file into Arrow record batches in the stream's output columns.

For each file: parse (:mod:`.formats`), stop on new columns when the evolution mode says so
(``addNewColumns`` first merges them into the schema location, as Databricks does before it
raises ``UnknownFieldException``), convert every column to its Spark type (:mod:`.conversion`),
rescue what does not fit (:mod:`.rescue`) and add ``_metadata``.

Example:
    >>> file_uri("/in/a.json")
    'file:/in/a.json'
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator

import pyarrow as pa
import pyarrow.compute as pc
from pyspark.sql.types import ArrayType, DataType, NullType, StructField, StructType

from .conversion import ValueRules, convert, convert_values
from .errors import MalformedRecordError, UnknownFieldError
from .file_log import FileEntry
from .formats import RawData, parse_file
from .options import SCHEMA_DOC, AutoLoaderOptions
from .rescue import CORRUPT_KEY, json_values, rescued_column
from .output_schema import METADATA_COLUMN, ReadPlan, file_uri, partition_values
from .schema_inference import infer_column_type
from .schema_store import SchemaStore
from .spark_types import arrow_schema, arrow_type, finalize_type

BATCH_ROWS = 131072
_ABSENT = object()


def _metadata(entry: FileEntry, n: int, spark_type: StructType) -> pa.Array:
    ts = dt.datetime.fromtimestamp(entry.mtime_ms / 1000, tz=dt.timezone.utc)
    values = {
        "file_path": pa.scalar(file_uri(entry.path)), "file_name": pa.scalar(os.path.basename(entry.path)),
        "file_size": pa.scalar(entry.size, pa.int64()), "file_block_start": pa.scalar(0, pa.int64()),
        "file_block_length": pa.scalar(entry.size, pa.int64()),
        "file_modification_time": pa.scalar(ts, pa.timestamp("us", "UTC")),
    }
    out_type = arrow_type(spark_type)
    children = [pa.repeat(values[f.name], n) if f.name in values else pa.nulls(n, f.type) for f in out_type]
    return pa.StructArray.from_arrays(children, fields=list(out_type))


def _new_nested(old: DataType, new: DataType, prefix: str) -> list[str]:
    """Dotted names of the struct fields in ``new`` that ``old`` does not have."""
    if isinstance(old, ArrayType) and isinstance(new, ArrayType):
        return _new_nested(old.elementType, new.elementType, prefix + ".element")
    if not (isinstance(old, StructType) and isinstance(new, StructType)):
        return []
    known = {f.name.lower(): f for f in old.fields}
    found = []
    for field in new.fields:
        if isinstance(field.dataType, NullType):
            continue
        match = known.get(field.name.lower())
        if match is None:
            found.append(f"{prefix}.{field.name}")
        else:
            found.extend(_new_nested(match.dataType, field.dataType, f"{prefix}.{field.name}"))
    return found


def check_new_columns(raw: RawData, plan: ReadPlan, entry: FileEntry) -> None:
    """Stop the stream on columns (or nested struct fields) the schema does not have, per the
    evolution mode.

    Raises:
        UnknownFieldError: ``addNewColumns`` (after storing the merged schema as a new
            version) or ``failOnNewColumns``.
    """
    mode = plan.opts.evolution_mode
    if mode not in ("addNewColumns", "failOnNewColumns"):
        return
    fields = {f.name.lower(): f for f in plan.data_fields.fields}
    known = set(fields) | {n.lower() for n in (plan.rescue, METADATA_COLUMN) if n}
    new, names = [], []
    infer = plan.opts.infer_column_types and not plan.opts.primitives_as_string
    for name, col in raw.columns.items():
        existing = fields.get(name.lower())
        if existing is not None and not isinstance(existing.dataType, (StructType, ArrayType)):
            continue
        if existing is None and name.lower() in known:
            continue
        nulls = sum(v is None for v in col) if isinstance(col, list) else col.null_count
        if nulls == raw.num_rows:
            continue
        kind = infer_column_type(col, plan.opts.format, infer_types=infer)
        if existing is None:
            new.append(StructField(name, finalize_type(kind), True))
            names.append(name)
            continue
        nested = _new_nested(existing.dataType, kind, existing.name)
        if nested:  # merged into the stored type below: existing fields keep their types
            new.append(StructField(existing.name, finalize_type(kind), True))
            names.extend(nested)
    if not new:
        return
    listed = ", ".join(names)
    if mode == "failOnNewColumns" or not plan.opts.schema_location:
        raise UnknownFieldError(
            f"Encountered unknown fields during parsing: [{listed}] in file {entry.path} "
            "(cloudFiles.schemaEvolutionMode=failOnNewColumns).",
            fix="add the columns to the schema (schemaHints or .schema(...)), or remove the file "
                f"({SCHEMA_DOC}).")
    version, _ = SchemaStore(plan.opts.schema_location).evolve(StructType(new))
    raise UnknownFieldError(
        f"Encountered unknown fields during parsing: [{listed}] in file {entry.path}. They were "
        f"added to the schema at {plan.opts.schema_location} (version {version}); the stream stops "
        "so that the new schema can be used (Databricks raises UnknownFieldException here).",
        fix="restart the stream (run the same readStream ... start again): it picks up the new "
            "columns and re-reads this batch.")


def _column_for(field_name: str, columns: dict, case_insensitive: bool) -> str | None:
    if field_name in columns:
        return field_name
    if case_insensitive:
        return next((k for k in columns if k.lower() == field_name.lower()), None)
    return None


def assemble(raw: RawData, plan: ReadPlan, entry: FileEntry) -> tuple[dict[str, pa.Array], pa.Array | None]:
    """Convert parsed columns to the output columns (by name), rescuing what does not fit.

    Returns:
        ``(columns, malformed)``: the output columns, and a boolean mask of the malformed
        records (unparseable, or a value that does not fit while there is no rescued data
        column), or None when there are none.
    """
    n = raw.num_rows
    columns = raw.columns
    opts = plan.opts
    rules = ValueRules.of(opts)
    # Spark's JSON reader matches field names exactly, its Parquet / ORC readers ignore case;
    # with a rescued data column, readerCaseSensitive=false reads other casings too (options page).
    insensitive = (plan.rescue is None and opts.format in ("parquet", "orc")) or (
        plan.rescue is not None and not opts.reader_case_sensitive)
    folders = partition_values(entry.path, opts.path)
    out: dict[str, pa.Array] = {}
    items: list[tuple[str, pa.Array, pa.Array]] = []
    used: set[str] = set()
    malformed = None
    for field in plan.data_fields.fields:
        from_folder = next((v for k, v in folders.items() if k.lower() == field.name.lower()), _ABSENT)
        if from_folder is not _ABSENT and (opts.partition_columns is None or field.name in opts.partition_columns):
            value = convert_values([from_folder], field.dataType, parse_strings=True, rules=rules)[0]
            out[field.name] = pa.repeat(value[0], n) if n else value.slice(0, 0)
            used.update(k for k in columns if k.lower() == field.name.lower())
            continue
        name = _column_for(field.name, columns, insensitive)
        col = columns.get(name) if name is not None else None
        if col is None:
            out[field.name] = pa.nulls(n, arrow_type(field.dataType))
            continue
        used.add(name)
        if isinstance(col, list):
            values, bad = convert_values(col, field.dataType, parse_strings=raw.parse_strings, rules=rules)
        else:
            values, bad = convert(col, field.dataType, parse_strings=raw.parse_strings, rules=rules)
        out[field.name] = values
        if bad is not None:
            if plan.rescue:
                items.append((name, json_values(col, bad), bad))
            else:
                malformed = bad if malformed is None else pc.or_(malformed, bad)
    if raw.corrupt is not None:
        bad_rows = raw.corrupt.is_valid()
        malformed = bad_rows if malformed is None else pc.or_(malformed, bad_rows)
    if plan.rescue:
        for name, col in columns.items():
            if name in used:
                continue
            if isinstance(col, list):
                mask = pa.array([v is not None for v in col], pa.bool_())
            else:
                mask = col.is_valid()
            if pc.any(mask).as_py():
                items.append((name, json_values(col, mask), mask))
        if raw.corrupt is not None:
            mask = raw.corrupt.is_valid()
            items.append((CORRUPT_KEY, json_values(raw.corrupt, mask), mask))
        out[plan.rescue] = rescued_column(n, items, file_uri(entry.path))
    if plan.metadata:
        meta_type = plan.output[METADATA_COLUMN].dataType
        out[METADATA_COLUMN] = _metadata(entry, n, meta_type)
    return out, malformed


def _apply_mode(batch: pa.RecordBatch, malformed: pa.Array | None, raw: RawData, plan: ReadPlan,
                entry: FileEntry) -> pa.RecordBatch:
    """``mode``: PERMISSIVE keeps every record, DROPMALFORMED drops malformed ones, FAILFAST
    stops at the first (https://spark.apache.org/docs/latest/sql-data-sources-json.html)."""
    if malformed is None or plan.opts.mode == "PERMISSIVE" or not pc.any(malformed).as_py():
        return batch
    if plan.opts.mode == "DROPMALFORMED":
        return batch.filter(pc.invert(malformed))
    row = pc.index(malformed, True).as_py()
    text = raw.corrupt[row].as_py() if raw.corrupt is not None and raw.corrupt[row].is_valid else None
    what = f"the record {text!r}" if text is not None else f"record {row + 1} (a value does not fit its column)"
    raise MalformedRecordError(
        f"Malformed records are detected in record parsing (mode FAILFAST): {what} in file {entry.path}.",
        fix="fix or remove the file, or use mode PERMISSIVE (the default) to keep such records "
            "(in the rescued data column).")


def read_file(entry: FileEntry, plan: ReadPlan, arrow_schema: pa.Schema, hints: dict) -> Iterator[pa.RecordBatch]:
    """Yield the record batches of one file in the stream's output columns.

    Args:
        entry: the file to read.
        plan: the stream's :class:`ReadPlan`.
        arrow_schema: ``plan.output`` as the Arrow schema Spark checks batches against.
        hints: parser hints shared by the files of one partition (see :func:`parse_bytes`).

    Raises:
        UnknownFieldError: new columns under ``addNewColumns`` / ``failOnNewColumns``.
        MalformedRecordError: a malformed record under ``mode=FAILFAST``.
        FileNotFoundError: the file disappeared after it was listed (``ignoreMissingFiles=false``).
    """
    try:
        raw = parse_file(entry.path, entry.size, entry.mtime_ms, plan.opts, hints)
    except FileNotFoundError:
        if plan.opts.ignore_missing_files:
            return
        raise
    except (OSError, pa.ArrowException):
        if plan.opts.ignore_corrupt_files:
            return
        raise
    if raw.num_rows == 0:
        return
    check_new_columns(raw, plan, entry)
    cols, malformed = assemble(raw, plan, entry)
    batch = pa.RecordBatch.from_arrays([cols[f.name] for f in plan.output.fields], schema=arrow_schema)
    batch = _apply_mode(batch, malformed, raw, plan, entry)
    for start in range(0, batch.num_rows, BATCH_ROWS):
        yield batch.slice(start, BATCH_ROWS)


def output_arrow_schema(output: StructType) -> pa.Schema:
    """The Arrow schema Spark expects from a Python data source for ``output``."""
    return arrow_schema(output)
