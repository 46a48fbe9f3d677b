"""The ``cloudFiles`` streaming source: Databricks Auto Loader on a laptop.

Write exactly the Databricks code::

    (spark.readStream.format("cloudFiles")
        .option("cloudFiles.format", "json")
        .option("cloudFiles.schemaLocation", schema_dir)
        .load(landing_dir))

Supported (every documented option, and what it does locally, is in
``docs/AUTO_LOADER_OPTIONS.md``, generated from :mod:`.option_specs`): formats json, csv,
parquet, text, binaryFile and orc (with a given schema); schema inference stored as
``<schemaLocation>/_schemas/N``; ``cloudFiles.inferColumnTypes``, ``cloudFiles.schemaHints``
(top-level and nested: ``a.b``, ``arr.element``, ``m.key`` / ``m.value``),
``cloudFiles.schemaEvolutionMode`` (addNewColumns, rescue, failOnNewColumns, none; new
nested struct fields included), the rescued data column and ``readerCaseSensitive``,
``cloudFiles.partitionColumns`` and ``key=value`` folders, ``cloudFiles.maxFilesPerTrigger`` /
``maxBytesPerTrigger`` (honoured by ``trigger(availableNow=True)``),
``cloudFiles.includeExistingFiles``, the CSV / JSON / text reader options of Spark (same rows
as Spark's batch reader), exactly-once file tracking, and the ``_metadata`` column. Errors
read as one line ``[CODE] message`` (:mod:`.client_check`).

What differs locally (and why):

* ``_metadata`` is a normal column: it shows in ``select *`` and is written to a table you
  write ``df`` to. On Databricks it is hidden until selected. Select the fields you need
  (``col("_metadata.file_path")``) and ``.drop("_metadata")`` (a no-op on Databricks).
  ``file_path`` is ``file:/abs/path``. With ``.schema(...)`` there is no ``_metadata``
  column unless the schema has one, and a rescued data column must be in that schema.
* Malformed records are kept in ``_rescued_data`` under ``_corrupt_record`` (raw text).
* A value with a new nested field is rescued whole under its top-level column name
  (``rescue`` mode); ``addNewColumns`` adds the nested field to the stored schema.
* Folder partition columns are strings unless a schema hint or ``.schema(...)`` types them.
* The list of discovered files lives under ``<schemaLocation>/_cloudfiles/file_logs``
  (Databricks: RocksDB in the checkpoint); the checkpoint's offsets point to it, so deleting
  the checkpoint starts over, as on Databricks. Keep the schema location with the checkpoint.
* Files are found by listing the folder (no file notifications); the ``_metadata`` struct
  and the rescued ``_file_path`` use ``file:`` paths.
* ``spark.read.format("cloudFiles")`` (batch) is refused, as on Databricks.

Example:
    >>> from lakehouse.autoloader import CloudFilesDataSource
    >>> CloudFilesDataSource.name()
    'cloudFiles'
"""

from __future__ import annotations

import os

from pyspark.sql.datasource import DataSource, DataSourceStreamReader, InputPartition
from pyspark.sql.streaming.datasource import (
    ReadAllAvailable, ReadLimit, ReadMaxBytes, ReadMaxFiles, SupportsTriggerAvailableNow,
)
from pyspark.sql.types import StructType

from .errors import CloudFilesOptionError
from .file_log import FileEntry, FileLog, listed_files, log_root
from .options import AutoLoaderOptions, parse_options
from .output_schema import ReadPlan, output_schema


class CloudFilesDataSource(DataSource):
    """The ``cloudFiles`` source (register with :func:`register_cloud_files`)."""

    @classmethod
    def name(cls) -> str:
        """The format name: ``cloudFiles``."""
        return "cloudFiles"

    def schema(self) -> StructType:
        """Infer (first start) or read (later starts) the schema at ``cloudFiles.schemaLocation``.

        Called only when no ``.schema(...)`` was given.
        """
        opts = parse_options(self.options, user_schema=False)
        self._inferred = True  # pickled with the instance: the stream reader knows
        from .schema_inference import resolve_data_schema  # pyarrow parsing: only when needed

        return output_schema(resolve_data_schema(opts), opts)

    def streamReader(self, schema: StructType) -> "CloudFilesStreamReader":
        """The stream reader for ``schema`` (inferred, or given with ``.schema(...)``)."""
        opts = parse_options(self.options, user_schema=not getattr(self, "_inferred", False))
        return CloudFilesStreamReader(opts, schema)

    def reader(self, schema: StructType):
        """Batch reads are refused, as on Databricks."""
        raise CloudFilesOptionError("The cloudFiles source only supports streaming reads.",
                                    fix="use spark.readStream.format('cloudFiles'), or spark.read.format('json') "
                                        "for a batch read.")


class FilesPartition(InputPartition):
    """The files one Spark task reads: tuples ``(path, size, mtime_ms)``."""


def _split(files: list[FileEntry], parts: int) -> list[list[FileEntry]]:
    """Spread files over ``parts`` groups of similar byte size, keeping log order inside each."""
    parts = max(1, min(parts, len(files)))
    bins: list[list[int]] = [[] for _ in range(parts)]
    loads = [0] * parts
    for i in sorted(range(len(files)), key=lambda k: -files[k].size):
        j = loads.index(min(loads))
        bins[j].append(i)
        loads[j] += files[i].size
    return [[files[i] for i in sorted(b)] for b in bins if b]


class CloudFilesStreamReader(DataSourceStreamReader, SupportsTriggerAvailableNow):
    """Offsets are positions in the stream's file log (see :mod:`.file_log`)."""

    def __init__(self, opts: AutoLoaderOptions, schema: StructType):
        self._opts = opts
        self._schema = schema
        self._plan = ReadPlan.build(opts, schema)  # fails early on a bad given schema
        self._frozen: list[FileEntry] | None = None
        self._logs: dict[str, FileLog] = {}

    def _log(self, directory: str) -> FileLog:
        if directory not in self._logs:
            self._logs[directory] = FileLog(directory)
        return self._logs[directory]

    def initialOffset(self) -> dict:
        """Start of a new stream: nothing read; with ``includeExistingFiles=false`` the files
        present now are logged as passed."""
        if self._opts.include_existing:
            return {"log": None, "index": 0}
        existing = listed_files(self._opts)
        log = FileLog.create(log_root(self._opts.schema_location), existing)
        self._logs[str(log.dir)] = log
        return {"log": str(log.dir), "index": len(existing)}

    def getDefaultReadLimit(self) -> ReadLimit:
        """``cloudFiles.maxFilesPerTrigger`` (default 1000) / ``maxBytesPerTrigger``; both are
        applied in :meth:`latestOffset` whenever Spark asks for a limited batch."""
        if self._opts.max_bytes is not None:
            return ReadMaxBytes(self._opts.max_bytes)
        return ReadMaxFiles(self._opts.max_files)

    def prepareForTriggerAvailableNow(self) -> None:
        """``trigger(availableNow=True)``: process the files present now, in rate-limited batches."""
        self._frozen = listed_files(self._opts)

    def latestOffset(self, start: dict, limit: ReadLimit) -> dict:
        """Log newly listed files, then return the end of the next batch within the limits."""
        listing = self._frozen if self._frozen is not None else listed_files(self._opts)
        if start.get("log"):
            log = self._log(start["log"])
        elif not listing:
            return start
        else:
            log = FileLog.create(log_root(self._opts.schema_location))
            self._logs[str(log.dir)] = log
        begin = int(start.get("index", 0))
        log.append([e for e in listing if not log.known(e.path)])
        entries = log.entries()
        if self._frozen is not None:
            allowed = {e.path for e in self._frozen}
            pending = 0
            while begin + pending < len(entries) and entries[begin + pending].path in allowed:
                pending += 1
        else:
            pending = len(entries) - begin
        take = pending
        if not isinstance(limit, ReadAllAvailable) and pending:
            take, size = 0, 0
            while take < min(pending, self._opts.max_files):
                if self._opts.max_bytes is not None and take and size >= self._opts.max_bytes:
                    break
                size += entries[begin + take].size
                take += 1
        return {"log": str(log.dir), "index": begin + take}

    def partitions(self, start: dict, end: dict) -> list[InputPartition]:
        """The files between two offsets, spread over tasks."""
        if not end.get("log"):
            return []
        log = self._log(end["log"])
        begin = int(start.get("index", 0)) if start.get("log") == end["log"] else log.initial_index()
        files = log.entries()[begin:int(end["index"])]
        cores = os.cpu_count() or 2
        return [FilesPartition([(e.path, e.size, e.mtime_ms) for e in group]) for group in _split(files, cores)]

    def read(self, partition: InputPartition):
        """Parse the partition's files into Arrow record batches."""
        from .reading import output_arrow_schema, read_file

        arrow_schema = output_arrow_schema(self._plan.output)
        hints: dict = {}
        for path, size, mtime_ms in partition.value:
            yield from read_file(FileEntry(path, size, mtime_ms), self._plan, arrow_schema, hints)

    def commit(self, end: dict) -> None:
        """Nothing to do: the log is append-only and offsets are positions in it."""

    def stop(self) -> None:
        """Nothing to release."""
