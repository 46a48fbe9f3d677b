"""The schema location: versioned schemas in ``<cloudFiles.schemaLocation>/_schemas/N``.

Databricks keeps the inferred schema and each evolution as ``_schemas/0``, ``_schemas/1``, ...
and later starts read the newest one
(https://docs.databricks.com/aws/en/ingestion/cloud-object-storage/auto-loader/schema).
Each file here holds ``v1`` and a JSON line with ``dataSchemaJson``. A version is written to
a temporary file and hard-linked into place, so two writers never both create ``N``.

Example:
    >>> import tempfile
    >>> from pyspark.sql.types import StructType, StructField, StringType
    >>> store = SchemaStore(tempfile.mkdtemp())
    >>> store.write(StructType([StructField("id", StringType())]))
    0
    >>> store.latest()[1].fieldNames()
    ['id']
"""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path

from pyspark.sql.types import StructType

from .spark_types import merge_struct
from .errors import SchemaInferenceError

_EMPTY_STRUCT = '{"type":"struct","fields":[]}'


def local_path(path: str) -> Path:
    """A local filesystem path from ``/x``, ``file:/x`` or ``file:///x``."""
    if path.startswith("file://"):
        path = path[len("file://"):]
    elif path.startswith("file:"):
        path = path[len("file:"):]
    if "://" in path or path.startswith("dbfs:"):
        raise SchemaInferenceError(f"The path {path!r} is not a local path.",
                                   fix="locally, use a folder on this machine (e.g. under LAKEHOUSE_HOME).")
    return Path(path).expanduser().absolute()


class SchemaStore:
    """The ``_schemas`` folder of one schema location."""

    def __init__(self, location: str):
        self.dir = local_path(location) / "_schemas"

    def versions(self) -> list[int]:
        """The schema versions present, oldest first."""
        if not self.dir.is_dir():
            return []
        return sorted(int(p.name) for p in self.dir.iterdir() if p.name.isdigit())

    def read(self, version: int) -> StructType:
        """The data schema stored as ``version``."""
        path = self.dir / str(version)
        try:
            lines = path.read_text().splitlines()
            return StructType.fromJson(json.loads(json.loads(lines[1])["dataSchemaJson"]))
        except (OSError, IndexError, KeyError, ValueError) as exc:
            raise SchemaInferenceError(f"The schema file {path} cannot be read ({exc}).",
                                       fix="delete the schema location (and the checkpoint) to infer again.") from exc

    def latest(self) -> tuple[int, StructType] | None:
        """``(version, schema)`` of the newest version, or None when nothing is stored."""
        versions = self.versions()
        return (versions[-1], self.read(versions[-1])) if versions else None

    def write(self, schema: StructType, version: int | None = None) -> int:
        """Store ``schema`` as the next version (or exactly ``version``); return its number.

        Raises:
            FileExistsError: ``version`` was given and another writer created it first.
        """
        self.dir.mkdir(parents=True, exist_ok=True)
        if version is None:
            versions = self.versions()
            version = versions[-1] + 1 if versions else 0
        body = "v1\n" + json.dumps({"dataSchemaJson": schema.json(), "partitionSchemaJson": _EMPTY_STRUCT})
        tmp = self.dir / f".{version}.{uuid.uuid4().hex}.tmp"
        with open(tmp, "w") as fh:
            fh.write(body)
            fh.flush()
            os.fsync(fh.fileno())
        try:
            os.link(tmp, self.dir / str(version))
        finally:
            tmp.unlink(missing_ok=True)
        return version

    def evolve(self, new_columns: StructType) -> tuple[int, StructType]:
        """Merge ``new_columns`` into the newest schema (existing types unchanged) and store it.

        Returns:
            ``(version, schema)`` now stored; no new version when nothing changed.
        """
        while True:
            current = self.latest()
            base_version, base = current if current else (-1, StructType([]))
            merged = merge_struct(base, new_columns, keep_existing=True)
            if current is not None and merged == base:
                return base_version, base
            try:
                return self.write(merged, base_version + 1), merged
            except FileExistsError:
                continue
