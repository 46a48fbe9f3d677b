"""Schema inference on first start, and the stream's output columns.

Databricks: Auto Loader samples the first 50 GB or 1000 files it discovers; JSON and CSV
columns are strings unless ``cloudFiles.inferColumnTypes`` is true; Parquet types are merged
across files; a ``_rescued_data`` column is added; hints then override or add columns
(https://docs.databricks.com/aws/en/ingestion/cloud-object-storage/auto-loader/schema).
Column names are matched case-insensitively while merging (the first spelling wins).

Example:
    >>> import pyarrow as pa
    >>> infer_column_type(pa.array(["1", "2"]), "csv", infer_types=True).simpleString()
    'int'
"""

from __future__ import annotations

import pyarrow as pa
from pyspark.sql.types import (
    ArrayType, BooleanType, ByteType, DataType, DateType, DoubleType, FloatType, IntegerType, LongType,
    NullType, ShortType, StringType, StructField, StructType, TimestampType,
)

from .conversion import convert
from .errors import SchemaInferenceError
from .file_log import FileEntry, listed_files
from .formats import parse_file
from .options import AutoLoaderOptions
from .output_schema import BINARY_FILE_SCHEMA, TEXT_SCHEMA, partition_values
from .schema_hints import apply_hints
from .schema_store import SchemaStore
from .spark_types import finalize_type, merge_struct, merge_types, spark_type_of_arrow, spark_type_of_value

SAMPLE_FILES = 1000
SAMPLE_BYTES = 50 * 1024**3
_PARQUET_INTS = {pa.int8(): ByteType, pa.int16(): ShortType, pa.int32(): IntegerType, pa.uint8(): ShortType,
                 pa.uint16(): IntegerType, pa.uint32(): LongType, pa.float32(): FloatType}
_CSV_CANDIDATES = (IntegerType(), LongType(), DoubleType(), BooleanType(), DateType(), TimestampType())


def _csv_type(col: pa.Array) -> DataType:
    if col.null_count == len(col):
        return NullType()
    for candidate in _CSV_CANDIDATES:
        try:
            _, bad = convert(col, candidate, parse_strings=True)
        except (pa.ArrowException, ValueError, OverflowError):
            continue
        if bad is None:
            return candidate
    return StringType()


def infer_column_type(col, fmt: str, *, infer_types: bool) -> DataType:
    """The Spark type inferred for one parsed column of a file.

    Args:
        col: an Arrow array, or a list of Python values (JSON read line by line).
        fmt: the file format (json, csv, parquet, text, binaryfile).
        infer_types: ``cloudFiles.inferColumnTypes``.

    Returns:
        A Spark type; NullType when every value is null.
    """
    if isinstance(col, list):
        out: DataType = NullType()
        for value in col:
            out = merge_types(out, spark_type_of_value(value, infer_types=infer_types))
        return out
    if pa.types.is_null(col.type):
        return NullType()
    if fmt == "csv":
        return _csv_type(col) if infer_types else StringType()
    if fmt == "parquet":
        exact = _PARQUET_INTS.get(col.type)
        return exact() if exact else spark_type_of_arrow(col.type, infer_types=True, timestamps=True)
    return spark_type_of_arrow(col.type, infer_types=infer_types, timestamps=False)


def no_files_error(opts: AutoLoaderOptions) -> SchemaInferenceError:
    """The error for a schema inference with no file to sample (Databricks: "Unable to infer
    schema for JSON. It must be specified manually")."""
    return SchemaInferenceError(
        f"Unable to infer the schema for {opts.format}: no data files in {opts.path}.",
        fix="land at least one file before starting the stream, or give a schema with .schema(...).")


def infer_schema(files: list[FileEntry], opts: AutoLoaderOptions) -> StructType:
    """Infer the data schema from a sample of ``files`` (oldest first).

    Raises:
        SchemaInferenceError: there is no file to sample.
    """
    sample, total = [], 0
    for entry in files:
        if len(sample) >= SAMPLE_FILES or total >= SAMPLE_BYTES:
            break
        sample.append(entry)
        total += entry.size
    if not sample:
        raise no_files_error(opts)
    merged = StructType([])
    hints: dict = {}
    infer = opts.infer_column_types and not opts.primitives_as_string
    for entry in sample:
        raw = parse_file(entry.path, entry.size, entry.mtime_ms, opts, hints)
        fields = [StructField(name, infer_column_type(col, opts.format, infer_types=infer))
                  for name, col in raw.columns.items()]
        merged = merge_struct(merged, StructType(fields))
    if opts.drop_field_if_all_null:
        merged = StructType([f for f in merged.fields if not _all_null(f.dataType)])
    data = StructType([StructField(f.name, finalize_type(f.dataType), True) for f in merged.fields])
    return add_partition_columns(data, sample, opts)


def _all_null(t: DataType) -> bool:
    """NullType, or a struct / array with nothing but nulls (``dropFieldIfAllNull``)."""
    if isinstance(t, NullType):
        return True
    if isinstance(t, StructType):
        return all(_all_null(f.dataType) for f in t.fields)
    return isinstance(t, ArrayType) and _all_null(t.elementType)


def add_partition_columns(data: StructType, files: list[FileEntry], opts: AutoLoaderOptions) -> StructType:
    """Append the ``key=value`` folder columns (``cloudFiles.partitionColumns``, or every key
    found when the option is not set) that the data does not have, as strings.

    Databricks: "By default these columns will be automatically added to your schema if you
    are using schema inference" (``cloudFiles.partitionColumns`` on the options page).
    """
    wanted = opts.partition_columns
    names: dict[str, None] = dict.fromkeys(wanted or ())
    if wanted is None:
        for entry in files:
            names.update(dict.fromkeys(partition_values(entry.path, opts.path)))
    have = {f.name.lower() for f in data.fields}
    extra = [StructField(n, StringType(), True) for n in names if n.lower() not in have]
    return StructType(list(data.fields) + extra) if extra else data


def resolve_data_schema(opts: AutoLoaderOptions) -> StructType:
    """The stream's data columns: fixed (text, binaryFile), or the newest stored schema, or a
    freshly inferred one stored as ``_schemas/0``; schema hints applied on top.

    Raises:
        SchemaInferenceError: nothing stored and nothing to infer from, or bad hints.
    """
    if opts.format == "text":
        return TEXT_SCHEMA
    if opts.format == "binaryfile":
        return BINARY_FILE_SCHEMA
    store = SchemaStore(opts.schema_location)
    latest = store.latest()
    if latest is None:
        inferred = apply_hints(infer_schema(listed_files(opts), opts), opts.schema_hints)
        try:
            store.write(inferred, version=0)
        except FileExistsError:  # another start inferred it at the same time
            pass
        latest = store.latest()
    return apply_hints(latest[1], opts.schema_hints)
