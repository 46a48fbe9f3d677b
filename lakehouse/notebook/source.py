"""Databricks' source format for Python notebooks, both directions (``make export`` and
``lakehouse notebooks import``).

A notebook in source format is a ``.py`` file whose first line is ``# Databricks notebook source``,
with cells separated by ``# COMMAND ----------``; a cell in another language or a magic cell
(``%md``, ``%sql``, ``%run``, ``%pip``, ``%sh``...) is written line by line after ``# MAGIC ``, and a
titled cell starts with ``# DBTITLE 1,<title>``
(https://docs.databricks.com/notebooks/notebook-export-import.html). Mapping to Jupyter cells:
``%md`` cells are markdown cells (without the ``%md`` line); every other ``# MAGIC`` cell is a
code cell that starts with its magic line (``%sql`` runs on the course kernel, see
:mod:`lakehouse.notebook`); Python cells are code cells as they are. Outputs and cell tags are not
part of the format.

Example:
    >>> text = to_source({"cells": [{"cell_type": "markdown", "source": "# Title"},
    ...                             {"cell_type": "code", "source": "%sql\\nSELECT 1"},
    ...                             {"cell_type": "code", "source": "x = 1"}]})
    >>> print(text)
    # Databricks notebook source
    # MAGIC %md
    # MAGIC # Title
    <BLANKLINE>
    # COMMAND ----------
    <BLANKLINE>
    # MAGIC %sql
    # MAGIC SELECT 1
    <BLANKLINE>
    # COMMAND ----------
    <BLANKLINE>
    x = 1
    <BLANKLINE>
    >>> parse_source(text)
    [('markdown', '# Title'), ('code', '%sql\\nSELECT 1'), ('code', 'x = 1')]
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from .errors import NotebookFormatError

HEADER = "# Databricks notebook source"
SEPARATOR = "\n\n# COMMAND ----------\n\n"
MAGICS = ("md", "md-sandbox", "sql", "run", "pip", "sh", "fs", "scala", "r", "python", "conda")
"""The magics a Databricks notebook cell may start with (written after ``# MAGIC`` in source format)."""
_SEPARATOR_LINE = re.compile(r"^# COMMAND -{5,}\s*$", re.MULTILINE)
_MAGIC_PREFIX = "# MAGIC"


def _text(source) -> str:
    return ("".join(source) if isinstance(source, list) else source).rstrip()


def _magic_lines(text: str) -> str:
    return "\n".join(f"{_MAGIC_PREFIX} {line}" if line else _MAGIC_PREFIX for line in text.splitlines())


def cell_magic(text: str) -> str | None:
    """The Databricks magic a cell starts with (``"sql"`` for ``%sql ...``), else None.

    Example:
        >>> cell_magic("%sql\\nSELECT 1"), cell_magic("%run ./setup"), cell_magic("%matplotlib inline")
        ('sql', 'run', None)
    """
    first = text.lstrip("\n").split("\n", 1)[0]
    match = re.match(r"%([a-z-]+)(?:\s|$)", first)
    return match.group(1) if match and match.group(1) in MAGICS else None


def to_source(notebook: dict) -> str:
    """A notebook (nbformat JSON as a dict) in Databricks source format.

    Code cells that start with a Databricks magic (``%sql``, ``%run``...) or an IPython cell magic
    (``%%...``) are written after ``# MAGIC``; markdown cells as ``%md`` cells.

    Raises:
        NotebookFormatError: a cell type other than code, markdown or raw.
    """
    cells = []
    for cell in notebook["cells"]:
        text = _text(cell["source"])
        if cell["cell_type"] == "markdown":
            cells.append(_magic_lines("%md\n" + text))
        elif cell["cell_type"] in ("code", "raw"):
            cells.append(_magic_lines(text) if text.startswith("%%") or cell_magic(text) else text)
        else:
            raise NotebookFormatError(f"cannot write a {cell['cell_type']!r} cell in source format.")
    return HEADER + "\n" + SEPARATOR.join(cells) + "\n"


def is_source(text: str) -> bool:
    """True when ``text`` is a notebook in Databricks source format (its first line is the header).

    Example:
        >>> is_source("# Databricks notebook source\\nx = 1"), is_source("x = 1")
        (True, False)
    """
    return text.lstrip("\ufeff").split("\n", 1)[0].rstrip() == HEADER


def parse_source(text: str) -> list:
    """The cells of a Databricks source file as ``[(cell_type, source), ...]`` (the inverse of :func:`to_source`).

    ``# DBTITLE`` lines are dropped (Jupyter cells have no title); a cell written entirely after
    ``# MAGIC`` becomes its magic text (a ``%md`` cell: a markdown cell).

    Raises:
        NotebookFormatError: the text does not start with the Databricks header.
    """
    if not is_source(text):
        raise NotebookFormatError("not a Databricks notebook source file (no '# Databricks notebook source' first line).",
                                  fix="export it from Databricks as 'Source file', or open the .ipynb instead.")
    body = text.lstrip("\ufeff").replace("\r\n", "\n").split("\n", 1)[1] if "\n" in text else ""
    cells = []
    for chunk in _SEPARATOR_LINE.split(body):
        lines = [line for line in chunk.strip("\n").split("\n") if not line.startswith("# DBTITLE ")]
        if any(lines) and all(line.startswith(_MAGIC_PREFIX) for line in lines):
            magic = "\n".join(line[len(_MAGIC_PREFIX) + 1:] if line != _MAGIC_PREFIX else "" for line in lines)
            if re.match(r"%md(-sandbox)?(\s|$)", magic):
                cells.append(("markdown", magic.split("\n", 1)[1].strip("\n").rstrip() if "\n" in magic
                              else magic[len("%md"):].strip()))
                continue
            cells.append(("code", magic.rstrip()))
        else:
            cells.append(("code", "\n".join(lines).rstrip()))
    return cells


def to_notebook(cells: list, *, kernel: str = "lakehouse") -> dict:
    """``[(cell_type, source), ...]`` as an nbformat 4 notebook (a dict) on ``kernel``.

    Example:
        >>> nb = to_notebook([("code", "x = 1")])
        >>> nb["cells"][0]["source"], nb["metadata"]["kernelspec"]["name"]
        ('x = 1', 'lakehouse')
    """
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": kernel, "display_name": "Lakehouse (PySpark + Delta)", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    for kind, text in cells:
        nb.cells.append(nbformat.v4.new_markdown_cell(text) if kind == "markdown" else nbformat.v4.new_code_cell(text))
    nbformat.validate(nb)
    return nb


def read_cells(path) -> list:
    """The cells of a notebook file, ``.ipynb`` or source format ``.py``, as ``[(cell_type, source), ...]``.

    Raises:
        NotebookFormatError: a ``.py`` file without the Databricks header, or unreadable JSON.
    """
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".ipynb":
        try:
            nb = json.loads(text)
        except json.JSONDecodeError as exc:
            raise NotebookFormatError(f"{path} is not a notebook (JSON line {exc.lineno}: {exc.msg}).") from None
        return [(c["cell_type"], _text(c["source"])) for c in nb.get("cells", [])]
    try:
        return parse_source(text)
    except NotebookFormatError as exc:
        raise NotebookFormatError(f"{path}: {exc.message.splitlines()[0]}", fix=exc.fix) from None


def import_notebooks(target) -> list:
    """``lakehouse notebooks import``: write ``X.ipynb`` next to each source-format ``X.py``.

    Args:
        target: one ``.py`` file, or a folder (every ``.py`` under it in source format; other
            ``.py`` files are skipped).

    Returns:
        The written ``.ipynb`` paths.

    Raises:
        NotebookFormatError: ``target`` does not exist, or a file given by name is not in source format.

    Example:
        >>> import tempfile, pathlib
        >>> d = pathlib.Path(tempfile.mkdtemp())
        >>> _ = (d / "nb.py").write_text("# Databricks notebook source\\n# MAGIC %sql\\n# MAGIC SELECT 1\\n")
        >>> [p.name for p in import_notebooks(d)]
        ['nb.ipynb']
    """
    target = Path(target)
    if target.is_dir():
        files = [p for p in sorted(target.rglob("*.py")) if is_source(p.read_text(encoding="utf-8", errors="replace"))]
    elif target.is_file():
        files = [target]
    else:
        raise NotebookFormatError(f"{target} does not exist.", fix="give a source-format .py file or a folder.")
    written = []
    for path in files:
        out = path.with_suffix(".ipynb")
        out.write_text(json.dumps(to_notebook(read_cells(path)), indent=1) + "\n", encoding="utf-8")
        written.append(out)
    return written
