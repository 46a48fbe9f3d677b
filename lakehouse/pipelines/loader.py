"""Load pipeline source files into a registry of graph elements: errors name file and line.

Front ends by file suffix (:data:`FRONT_ENDS`): each declares ``Dataset`` and ``Flow`` records
into the active registry. The Python front end (:func:`load_python`): each ``.py`` file is
compiled first (a ``SyntaxError`` is reported with its file and line before any file runs), then
executed as a module with ``spark`` in its globals (as
``spark-pipelines`` does) while ``lakehouse.dp`` decorators record into the registry.
``import dlt`` resolves to :mod:`lakehouse.pipelines.dlt` during the load when no ``dlt`` package is
installed.

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
import sys
import traceback
import types
from pathlib import Path

from .api import registering
from .errors import PipelineDefinitionError, PipelineError
from .graph import Registry


def load_files(files: list[Path], *, spark, registry: Registry | None = None) -> Registry:
    """Load the pipeline source ``files`` with the front end of each suffix; return what they declared.

    This is the seam between front ends and the runner: a front end is a function
    ``(files, spark) -> None`` in :data:`FRONT_ENDS` that declares graph elements into the active
    registry (:func:`lakehouse.pipelines.api.registering`); what runs the graph never knows which
    front end declared an element.

    Raises:
        PipelineDefinitionError: a file no front end reads, a syntax error, or an error raised while
            a file ran (the message names the file and line).
        PipelineGraphError: two datasets or flows with one name.
    """
    unknown = [p for p in files if p.suffix not in FRONT_ENDS]
    if unknown:
        raise PipelineDefinitionError(f"{unknown[0].name}: only Python pipeline files run locally "
                                      "(SQL pipeline files are not supported yet).",
                                      fix="write the dataset with @dp.table / @dp.materialized_view.")
    with registering(registry) as reg:
        for suffix, load in FRONT_ENDS.items():
            load([p for p in files if p.suffix == suffix], spark)
    return reg


def load_python(files: list[Path], spark) -> None:
    """The Python front end: compile every file (syntax errors first), then run each as a module
    with ``spark`` in its globals while ``dp`` decorators record into the active registry."""
    codes = []
    for path in files:
        try:
            codes.append((path, compile(path.read_text(), str(path), "exec")))
        except SyntaxError as exc:
            raise PipelineDefinitionError(f"{path.name}, line {exc.lineno}: syntax error: {exc.msg}",
                                          fix=f"fix {path}.") from None
    with _dlt_module():
        for path, code in codes:
            module = types.ModuleType(path.stem)
            module.__file__ = str(path)
            module.__dict__["spark"] = spark
            try:
                exec(code, module.__dict__)
            except PipelineError:
                raise
            except Exception as exc:
                line = _line_in(exc, path)
                raise PipelineDefinitionError(f"{path.name}, line {line}: {type(exc).__name__}: {exc}",
                                              fix=f"fix {path}.") from exc


FRONT_ENDS = {".py": load_python}  # file suffix -> front end (a SQL front end adds ".sql")


def _line_in(exc: BaseException, path: Path):
    lines = [f.lineno for f in traceback.extract_tb(exc.__traceback__) if Path(f.filename) == path]
    return lines[-1] if lines else "?"


@contextlib.contextmanager
def _dlt_module():
    """``import dlt`` gives :mod:`lakehouse.pipelines.dlt` while pipeline files load (unless a real one exists)."""
    if "dlt" in sys.modules:
        yield
        return
    try:
        import dlt  # noqa: F401  (a real package of that name wins)
        yield
        return
    except ImportError:
        pass
    from . import dlt as legacy

    sys.modules["dlt"] = legacy
    try:
        yield
    finally:
        sys.modules.pop("dlt", None)
