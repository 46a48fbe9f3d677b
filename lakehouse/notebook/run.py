"""``%run ./path``: run another notebook's cells in the current namespace, as Databricks does.

The path is relative to the directory of the notebook that holds the ``%run`` (Databricks:
https://docs.databricks.com/notebooks/notebook-workflows.html#run-a-notebook-from-another-notebook);
it may name an ``.ipynb``, a notebook in source format (``.py``), or either without its extension.
The running notebook's directory is found, in order, from ``__session__`` (the notebook path
JupyterLab gives the kernel), ``JPY_SESSION_NAME``, and the working directory (papermill runs a
notebook with ``cwd`` = its folder when told: ``lakehouse notebooks run`` and the job runner do).
A ``%run`` inside a notebook being run is relative to that notebook. Its markdown cells are
skipped; its code cells (``%sql`` cells too) run as cells of the caller, and a cell's last
expression is displayed. ``%run ./nb $name="value"`` passes widget values, as on Databricks.

Example:
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "setup.py").write_text("# Databricks notebook source\\nx = 41")
    >>> find_notebook("./setup", d).name
    'setup.py'
    >>> find_notebook("./nope", d)
    Traceback (most recent call last):
    ...
    lakehouse.notebook.errors.NotebookNotFoundError: [NOTEBOOK_NOT_FOUND] %run ./nope: no notebook at .../nope.ipynb or .../nope.py.
      Fix: write the path relative to this notebook's folder (..., with or without .ipynb / .py).
"""

from __future__ import annotations

import ast
import json
import os
import shlex
from pathlib import Path

from .errors import NotebookError, NotebookNotFoundError
from .source import is_source, read_cells

_STACK: list[Path] = []  # folders of the notebooks being %run (innermost last)


def notebook_dir(namespace: dict | None = None) -> Path:
    """The folder of the running notebook (see the module docstring for the order of the clues)."""
    if _STACK:
        return _STACK[-1]
    for clue in ((namespace or {}).get("__session__"), os.environ.get("JPY_SESSION_NAME")):
        if clue and Path(clue).suffix == ".ipynb":
            path = Path(clue)
            path = path if path.is_absolute() else Path.cwd() / path
            if path.is_file():
                return path.parent
    return Path.cwd()


def find_notebook(spec: str, base) -> Path:
    """The notebook file ``%run spec`` names, relative to ``base`` (absolute paths as they are).

    Raises:
        NotebookNotFoundError: no such notebook; the message lists every path tried.
    """
    raw = Path(os.path.expanduser(spec))
    path = raw if raw.is_absolute() else Path(base) / raw
    path = Path(os.path.normpath(path))
    if path.suffix in (".ipynb", ".py"):
        tried = [path]
    else:
        tried = [path.with_name(path.name + ".ipynb"), path.with_name(path.name + ".py")]
    for candidate in tried:
        if candidate.is_file() and (candidate.suffix == ".ipynb" or is_source(candidate.read_text(encoding="utf-8"))):
            return candidate
    shown = " or ".join(str(p) for p in tried)
    py_plain = [p for p in tried if p.suffix == ".py" and p.is_file()]
    fix = (f"{py_plain[0].name} is a Python file, not a notebook in source format (its first line is not "
           "'# Databricks notebook source'); import it instead." if py_plain else
           f"write the path relative to this notebook's folder ({base}, with or without .ipynb / .py).")
    raise NotebookNotFoundError(f"%run {spec}: no notebook at {shown}.", fix=fix)


def run_notebook(line: str, shell) -> None:
    """What ``%run <path>`` does on the course kernel: run that notebook's code cells in ``shell``'s namespace.

    Raises:
        NotebookNotFoundError: no such notebook.
        NotebookError: ``%run`` without a path.
    """
    args = shlex.split(line)
    if not args:
        raise NotebookError("%run needs the path of a notebook.", fix="e.g. %run ./setup")
    widgets = widget_arguments(args[1:])
    path = find_notebook(args[0], notebook_dir(shell.user_ns))
    _STACK.append(path.parent)
    before = os.environ.get("LAKEHOUSE_WIDGETS")
    if widgets:
        os.environ["LAKEHOUSE_WIDGETS"] = json.dumps({**json.loads(before or "{}"), **widgets})
    try:
        for kind, text in read_cells(path):
            if kind == "code" and text.strip():
                _run_cell(shell, text, f"{path.name}")
    finally:
        _STACK.pop()
        if widgets and before is None:
            del os.environ["LAKEHOUSE_WIDGETS"]
        elif widgets:
            os.environ["LAKEHOUSE_WIDGETS"] = before


def widget_arguments(args: list) -> dict:
    """``%run ./nb $name="value" ...``: the widget values the called notebook sees (``dbutils.widgets.get``).

    Raises:
        NotebookError: an argument that is not ``$name=value``.

    Example:
        >>> widget_arguments(["$day=2026-01-02", "$who=a b"])
        {'day': '2026-01-02', 'who': 'a b'}
    """
    out = {}
    for arg in args:
        name, eq, value = arg.partition("=")
        if not (name.startswith("$") and eq and name[1:].isidentifier()):
            raise NotebookError(f"%run argument {arg!r} is not $name=value.",
                                fix='pass widget values as %run ./notebook $name="value".')
        out[name[1:]] = value
    return out


def _run_cell(shell, text: str, where: str) -> None:
    """One cell of a ``%run`` notebook: IPython's transforms (magics, ``%sql``), then the code; the last
    expression's value is displayed as a cell's would be."""
    code = shell.transform_cell(text)
    tree = ast.parse(code, filename=where)
    last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
    exec(compile(tree, where, "exec"), shell.user_ns)
    if last is not None:
        value = eval(compile(ast.Expression(last.value), where, "eval"), shell.user_ns)
        if value is not None:
            from IPython.display import display

            display(value)
