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
from pyspark.sql.types import StructField, StructType

from .conversion import convert, convert_values
from .errors import UnknownFieldError
from .file_log import FileEntry
from .formats import RawData, parse_file
from .options import SCHEMA_DOC, AutoLoaderOptions
from .rescue import CORRUPT_KEY, json_values, rescued_column
from .plan import METADATA_COLUMN, ReadPlan, file_uri
from .schema_inference import infer_column_type
from .schema_store import SchemaStore
from .spark_types import arrow_schema, arrow_type, finalize_type

BATCH_ROWS = 131072


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


def check_new_columns(raw: RawData, plan: ReadPlan, entry: FileEntry) -> None:
    """Stop the stream on columns the schema does not have, per the evolution mode.

    Raises:
        UnknownFieldError: ``addNewColumns`` (after storing the merged schema as a new
            version) or ``failOnNewColumns``.
    """
    mode = plan.opts.evolution_mode
    if mode not in ("addNewColumns", "failOnNewColumns"):
        return
    known = {f.name.lower() for f in plan.data_fields.fields}
    known.update(n.lower() for n in (plan.rescue, METADATA_COLUMN) if n)
    new = []
    for name, col in raw.columns.items():
        if name.lower() in known:
            continue
        nulls = sum(v is None for v in col) if isinstance(col, list) else col.null_count
        if nulls == raw.num_rows:
            continue
        kind = finalize_type(infer_column_type(col, plan.opts.format, infer_types=plan.opts.infer_column_types))
        new.append(StructField(name, kind, True))
    if not new:
        return
    names = ", ".join(f.name for f in new)
    if mode == "failOnNewColumns" or not plan.opts.schema_location:
        raise UnknownFieldError(
            f"Encountered unknown fields during parsing: [{names}] in file {entry.path} "
            "(cloudFiles.schemaEvolutionMode=failOnNewColumns).",
            fix="add the columns to the schema (schemaHints or .schema(...)), or remove the file "
                f"({SCHEMA_DOC}).")
    version, _ = SchemaStore(plan.opts.schema_location).evolve(StructType(new))
    raise UnknownFieldError(
        f"Encountered unknown fields during parsing: [{names}] in file {entry.path}. They were "
        f"added to the schema at {plan.opts.schema_location} (version {version}); the stream stops "
        "so that the new schema can be used (Databricks raises UnknownFieldException here).",
        fix="restart the stream (run the same readStream ... start again): it picks up the new "
            "columns and re-reads this batch.")


def assemble(raw: RawData, plan: ReadPlan, entry: FileEntry) -> dict[str, pa.Array]:
    """Convert parsed columns to the output columns (by name), rescuing what does not fit."""
    n = raw.num_rows
    columns = raw.columns
    out: dict[str, pa.Array] = {}
    items: list[tuple[str, pa.Array, pa.Array]] = []
    used: set[str] = set()
    for field in plan.data_fields.fields:
        name = field.name
        if name not in columns and plan.rescue is None:  # Spark's case-insensitive match
            name = next((k for k in columns if k.lower() == field.name.lower()), None)
        col = columns.get(name) if name is not None else None
        if col is None:
            out[field.name] = pa.nulls(n, arrow_type(field.dataType))
            continue
        used.add(name)
        if isinstance(col, list):
            values, bad = convert_values(col, field.dataType, parse_strings=raw.parse_strings)
        else:
            values, bad = convert(col, field.dataType, parse_strings=raw.parse_strings)
        out[field.name] = values
        if bad is not None and plan.rescue:
            items.append((name, json_values(col, bad), bad))
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
    return out


def read_file(entry: FileEntry, plan: ReadPlan, arrow_schema: pa.Schema, hints: dict) -> Iterator[pa.RecordBatch]:
    """Yield the record batches of one file in the stream's output columns.

    Args:
        entry: the file to read.
        plan: the stream's :class:`ReadPlan`.
        arrow_schema: ``plan.output`` as the Arrow schema Spark checks batches against.
        hints: parser hints shared by the files of one partition (see :func:`parse_bytes`).

    Raises:
        UnknownFieldError: new columns under ``addNewColumns`` / ``failOnNewColumns``.
        FileNotFoundError: the file disappeared after it was listed.
    """
    raw = parse_file(entry.path, entry.size, entry.mtime_ms, plan.opts, hints)
    if raw.num_rows == 0:
        return
    check_new_columns(raw, plan, entry)
    cols = assemble(raw, plan, entry)
    batch = pa.RecordBatch.from_arrays([cols[f.name] for f in plan.output.fields], schema=arrow_schema)
    for start in range(0, batch.num_rows, BATCH_ROWS):
        yield batch.slice(start, BATCH_ROWS)


def output_arrow_schema(output: StructType) -> pa.Schema:
    """The Arrow schema Spark expects from a Python data source for ``output``."""
    return arrow_schema(output)
