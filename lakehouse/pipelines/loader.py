"""Load pipeline source files into a registry of graph elements: errors name file and line.

Front ends by file suffix (:data:`FRONT_ENDS`): each declares ``Dataset`` and ``Flow`` records
into the active registry, so the runner never knows which language declared an element:

* ``.py`` (:func:`load_python`): each file is compiled first (a ``SyntaxError`` is reported with
  its file and line before any file runs), then executed as a module with ``spark`` and
  ``dbutils`` in its globals while ``from pyspark import pipelines as dp`` and ``import dlt``
  give the local API, and the spec's folder (the pipeline's root folder) is on ``sys.path``
  (:mod:`.source_context`);
* ``.sql`` (:func:`lakehouse.pipelines.sql_files.load_sql`): pipeline SQL statements.

Then every flow's query is wrapped to run as that flow on the pipeline's session
(:func:`.source_context.in_flow`), and the expectations Databricks refuses are refused.

Example:
    >>> import pathlib, tempfile
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "bad.py"
    >>> _ = f.write_text("x = (\\n")
    >>> load_files([f], spark=None)   # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    lakehouse.pipelines.errors.PipelineDefinitionError: [PIPELINE_DEFINITION_INVALID] bad.py, line 1: syntax error: '(' was never closed
      Fix: fix ...bad.py.
"""

from __future__ import annotations

import contextlib
import dataclasses
import traceback
import types
from pathlib import Path

from .api import PIPELINE_SESSION, registering
from .errors import PipelineDefinitionError, PipelineError
from .graph import Registry
from .source_context import databricks_modules, file_globals, in_flow, pipeline_session, root_on_path

def load_files(files: list[Path], *, spark, registry: Registry | None = None, spec=None) -> Registry:
    """Load the pipeline source ``files`` with the front end of each suffix; return what they declared.

    Args:
        files: the source files (``.py``, ``.sql``).
        spark: the pipeline's session (a :class:`~.resolve.PipelineSession`; None to parse only).
        registry: the registry to fill (default a new one).
        spec: the pipeline's spec (``configuration`` for SQL ``${key}``, ``storage`` for managed
            Auto Loader schema locations), or None.

    Raises:
        PipelineDefinitionError: a file no front end reads, a syntax error, or an error raised while
            a file ran (the message names the file and line).
        PipelineGraphError: two datasets or flows with one name.
    """
    unknown = [p for p in files if p.suffix not in FRONT_ENDS]
    if unknown:
        raise PipelineDefinitionError(f"{unknown[0].name}: pipeline source files are .py or .sql files.",
                                      fix="rename it, or leave it out of libraries in the spec.")
    if spec is not None and hasattr(spark, "spec"):
        spark.spec = spec
    token = PIPELINE_SESSION.set(spark) if spark is not None else None
    try:
        with registering(registry) as reg, pipeline_session(spark) if spark is not None else contextlib.nullcontext():
            for suffix, load in FRONT_ENDS.items():
                chosen = [p for p in files if p.suffix == suffix]
                if chosen:
                    load(chosen, spark, spec=spec)
    finally:
        if token is not None:
            PIPELINE_SESSION.reset(token)
    for key, flow in list(reg.flows.items()):
        if flow.query is not None:
            reg.flows[key] = dataclasses.replace(flow, query=in_flow(flow, flow.query, spark))
    from .sql_files import check_constraints

    check_constraints(reg, getattr(spark, "real", spark))
    return reg


def load_python(files: list[Path], spark, *, spec=None) -> None:
    """The Python front end: compile every file (syntax errors first), then run each as a module
    with ``spark`` and ``dbutils`` in its globals while ``dp`` decorators record into the active registry."""
    codes = []
    for path in files:
        try:
            codes.append((path, compile(path.read_text(), str(path), "exec")))
        except SyntaxError as exc:
            raise PipelineDefinitionError(f"{path.name}, line {exc.lineno}: syntax error: {exc.msg}",
                                          fix=f"fix {path}.") from None
    with databricks_modules(), root_on_path(getattr(spec, "root", None)):
        for path, code in codes:
            module = types.ModuleType(path.stem)
            module.__file__ = str(path)
            module.__dict__.update(file_globals(spark))
            try:
                exec(code, module.__dict__)
            except PipelineError:
                raise
            except Exception as exc:
                line = _line_in(exc, path)
                raise PipelineDefinitionError(f"{path.name}, line {line}: {type(exc).__name__}: {exc}",
                                              fix=f"fix {path}.") from exc


def _load_sql(files: list[Path], spark, *, spec=None) -> None:
    from .sql_files import load_sql

    load_sql(files, spark, spec=spec)


FRONT_ENDS = {".py": load_python, ".sql": _load_sql}  # file suffix -> front end


def _line_in(exc: BaseException, path: Path):
    lines = [f.lineno for f in traceback.extract_tb(exc.__traceback__) if Path(f.filename) == path]
    return lines[-1] if lines else "?"
