"""What a ``cloudFiles`` stream returns: data columns, rescued data column, ``_metadata``.

Example:
    >>> from lakehouse.autoloader.options import parse_options
    >>> from pyspark.sql.types import StructType, StructField, LongType, StringType
    >>> o = parse_options({"cloudFiles.format": "json", "path": "/in",
    ...                    "cloudFiles.schemaLocation": "/s"}, user_schema=False)
    >>> out = output_schema(StructType([StructField("a", LongType())]), o)
    >>> plan = ReadPlan.build(o, out)
    >>> plan.data_fields.fieldNames(), plan.rescue, plan.metadata
    (['a'], '_rescued_data', True)
"""

from __future__ import annotations

from dataclasses import dataclass

from pyspark.sql.types import BinaryType, LongType, StringType, StructField, StructType, TimestampType

from .errors import CloudFilesOptionError
from .options import AutoLoaderOptions

METADATA_COLUMN = "_metadata"
# https://docs.databricks.com/aws/ingestion/file-metadata-column
METADATA_TYPE = StructType([
    StructField("file_path", StringType(), False), StructField("file_name", StringType(), False),
    StructField("file_size", LongType(), False), StructField("file_block_start", LongType(), False),
    StructField("file_block_length", LongType(), False),
    StructField("file_modification_time", TimestampType(), False),
])
TEXT_SCHEMA = StructType([StructField("value", StringType(), True)])
BINARY_FILE_SCHEMA = StructType([
    StructField("path", StringType(), True), StructField("modificationTime", TimestampType(), True),
    StructField("length", LongType(), True), StructField("content", BinaryType(), True),
])


def file_uri(path: str) -> str:
    """The ``_metadata.file_path`` / ``_file_path`` form of a local path: ``file:/abs/path``."""
    return "file:" + path


def output_schema(data: StructType, opts: AutoLoaderOptions) -> StructType:
    """The columns a stream returns: data columns, the rescued data column, ``_metadata``.

    Example:
        >>> from lakehouse.autoloader.options import parse_options
        >>> o = parse_options({"cloudFiles.format": "text", "path": "/in"}, user_schema=False)
        >>> output_schema(TEXT_SCHEMA, o).fieldNames()
        ['value', '_metadata']
    """
    fields = list(data.fields)
    names = {f.name for f in fields}
    if opts.rescued_column and opts.rescued_column not in names:
        fields.append(StructField(opts.rescued_column, StringType(), True))
    if METADATA_COLUMN not in names:
        fields.append(StructField(METADATA_COLUMN, METADATA_TYPE, False))
    return StructType(fields)



@dataclass(frozen=True)
class ReadPlan:
    """What a stream reads: its options and output columns, split by role."""

    opts: AutoLoaderOptions
    output: StructType
    data_fields: StructType
    rescue: str | None
    metadata: bool

    @classmethod
    def build(cls, opts: AutoLoaderOptions, output: StructType) -> "ReadPlan":
        """Split ``output`` (the stream's schema) into data columns, rescue and metadata.

        Raises:
            CloudFilesOptionError: a rescued data column is asked for but a schema given with
                ``.schema(...)`` does not have it.
        """
        names = output.fieldNames()
        rescue = opts.rescued_column
        if rescue is not None and rescue not in names:
            if opts.user_schema:
                raise CloudFilesOptionError(
                    f"The rescued data column {rescue!r} is not in the schema given with .schema(...).",
                    fix=f"add `{rescue} STRING` to that schema (locally a given schema is used as is).")
            rescue = None
        has_metadata = METADATA_COLUMN in names and any(
            f.name == METADATA_COLUMN and isinstance(f.dataType, StructType) and
            "file_path" in f.dataType.fieldNames() for f in output.fields)
        data = StructType([f for f in output.fields if f.name != rescue and not (
            has_metadata and f.name == METADATA_COLUMN)])
        return cls(opts, output, data, rescue, has_metadata)


def partition_values(file_path: str, base: str) -> dict[str, str | None]:
    """The ``key=value`` folders between ``base`` (the path given to ``load``) and a file.

    Hive-style values are URL-unescaped; ``__HIVE_DEFAULT_PARTITION__`` is null, as in Spark
    (https://docs.databricks.com/aws/en/ingestion/cloud-object-storage/auto-loader/options,
    ``cloudFiles.partitionColumns``).

    Example:
        >>> partition_values("/in/year=2024/city=New%20York/a.json", "/in")
        {'year': '2024', 'city': 'New York'}
    """
    if "=" not in file_path:
        return {}
    import glob
    from urllib.parse import unquote

    from .schema_store import local_path

    root = str(local_path(base)).rstrip("/")
    if glob.has_magic(root):  # only the fixed part of a glob is the base
        root = root[:min(root.find(c) for c in "*?[" if c in root)].rsplit("/", 1)[0]
    rel = file_path[len(root):] if file_path.startswith(root + "/") else file_path
    values: dict[str, str | None] = {}
    for segment in rel.strip("/").split("/")[:-1]:
        key, eq, value = segment.partition("=")
        if eq and key:
            value = unquote(value)
            values[unquote(key)] = None if value == "__HIVE_DEFAULT_PARTITION__" else value
    return values
