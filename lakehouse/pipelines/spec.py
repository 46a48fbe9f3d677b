"""``spark-pipeline.yml``: read with the same rules as open-source ``spark-pipelines``.

Fields ``name`` and ``storage`` (required), ``catalog``, ``database`` / ``schema``,
``configuration`` (str -> str) and ``libraries`` (``- glob: {include: ...}``; a file path or
a folder ending in ``/**``). The parsing is Spark's own (``pyspark.pipelines.cli``), so a spec
that ``spark-pipelines`` rejects is rejected here, with its condition in our message.
Locally, a relative ``storage`` is taken relative to the spec's folder.

Example:
    >>> import pathlib, tempfile
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "spark-pipeline.yml").write_text("name: demo\\nstorage: state\\nschema: lab07\\n")
    >>> spec = load_spec(folder)
    >>> spec.name, spec.schema, spec.storage == str(folder / "state")
    ('demo', 'lab07', True)
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from pathlib import Path

from .errors import PipelineSpecError

SPEC_NAMES = ("spark-pipeline.yml", "spark-pipeline.yaml")


@dataclass(frozen=True)
class PipelineSpec:
    """A loaded pipeline spec; ``path`` is the spec file, ``storage`` an absolute path."""

    name: str
    path: Path
    storage: str
    catalog: str
    schema: str
    configuration: tuple[tuple[str, str], ...]
    libraries: tuple[str, ...]

    @property
    def root(self) -> Path:
        return self.path.parent

    def source_files(self) -> list[Path]:
        """The files the ``libraries`` globs match (sorted, ``__pycache__`` skipped)."""
        files: list[Path] = []
        for pattern in self.libraries:
            for p in sorted(self.root.glob(pattern)):
                if p.is_file() and "__pycache__" not in p.parts and p not in files:
                    files.append(p)
        return files


def pipeline_id(spec: PipelineSpec) -> str:
    """A stable id for the pipeline (a UUID of its name and storage), the event log's ``origin.pipeline_id``.

    Example:
        >>> spec = PipelineSpec("demo", Path("p.yml"), "/tmp/state", "spark_catalog", "default", (), ())
        >>> pipeline_id(spec) == pipeline_id(spec), len(pipeline_id(spec))
        (True, 36)
    """
    return str(uuid.UUID(hashlib.md5(f"{spec.name}|{spec.storage}".encode()).hexdigest()))


PIPELINE_DEFAULT_CONF = {"spark.sql.ansi.enabled": "false"}
"""Spark settings a pipeline update runs with unless its ``configuration`` sets them: Databricks
Runtime (which runs pipelines) has ``spark.sql.ansi.enabled`` false by default
(https://docs.databricks.com/aws/en/sql/language-manual/sql-ref-ansi-compliance), where Spark 4
turns it on; so a failed ``CAST`` in an expectation is NULL (the row fails it), not an error."""


def pipeline_conf(spec: PipelineSpec) -> dict:
    """The Spark settings of an update: :data:`PIPELINE_DEFAULT_CONF`, then the spec's ``configuration``.

    Example:
        >>> spec = PipelineSpec("demo", Path("p.yml"), "/s", "spark_catalog", "default", (("a", "1"),), ())
        >>> pipeline_conf(spec)
        {'spark.sql.ansi.enabled': 'false', 'a': '1'}
    """
    return {**PIPELINE_DEFAULT_CONF, **dict(spec.configuration)}


def load_spec(spec) -> PipelineSpec:
    """Load a ``spark-pipeline.yml`` (a file, or a folder holding one).

    Args:
        spec: path of the spec file or of its folder (or a :class:`PipelineSpec`, returned as is).

    Returns:
        A :class:`PipelineSpec`.

    Raises:
        PipelineSpecError: no spec, unreadable YAML, an unknown or missing field.
    """
    import yaml
    from pyspark.errors import PySparkException
    from pyspark.pipelines.cli import unpack_pipeline_spec

    if isinstance(spec, PipelineSpec):
        return spec
    path = Path(spec).expanduser().resolve()
    if path.is_dir():
        found = [path / n for n in SPEC_NAMES if (path / n).is_file()]
        if not found:
            raise PipelineSpecError(f"no spark-pipeline.yml in {path}.", fix="pass the spec file with --spec PATH.")
        path = found[0]
    if not path.is_file():
        raise PipelineSpecError(f"the pipeline spec {path} does not exist.", fix="check the --spec path.")
    try:
        data = yaml.safe_load(path.read_text())
        if not isinstance(data, dict):
            raise PipelineSpecError(f"{path} is not a YAML mapping of fields (name, storage, libraries ...).")
        oss = unpack_pipeline_spec(data)
    except yaml.YAMLError as exc:
        raise PipelineSpecError(f"{path} is not valid YAML: {exc}") from exc
    except (PySparkException, KeyError, TypeError) as exc:
        raise PipelineSpecError(f"{path}: {str(exc).splitlines()[0]}",
                                fix="allowed fields: name, storage, catalog, database/schema, configuration, "
                                    "libraries (- glob: {include: transformations/**}).") from exc
    storage = Path(str(oss.storage).removeprefix("file://")).expanduser()
    storage = storage if storage.is_absolute() else path.parent / storage
    return PipelineSpec(name=oss.name, path=path, storage=str(storage), catalog=oss.catalog or "spark_catalog",
                        schema=oss.database or "default", configuration=tuple(oss.configuration.items()),
                        libraries=tuple(lib.include for lib in oss.libraries))
