"""``make export``: every notebook of the course in Databricks source format, for
``databricks workspace import-dir``.

Databricks' source format for a Python notebook is a ``.py`` file whose first line is
``# Databricks notebook source``, with cells separated by ``# COMMAND ----------`` and markdown
(or any cell that starts with a cell magic) written line by line after ``# MAGIC ``
(https://docs.databricks.com/notebooks/notebook-export-import.html). Exported: ``labs/``,
``solutions/`` and the job task notebooks (``lakehouse/c360/jobs/notebooks/``), under one folder
with the same relative paths; notebook outputs and cell tags are not part of the format.

Example:
    >>> text = to_source({"cells": [{"cell_type": "markdown", "source": "# Title"},
    ...                             {"cell_type": "code", "source": "x = 1"}]})
    >>> print(text)
    # Databricks notebook source
    # MAGIC %md
    # MAGIC # Title
    <BLANKLINE>
    # COMMAND ----------
    <BLANKLINE>
    x = 1
    <BLANKLINE>
    >>> parse_source(text)
    [('markdown', '# Title'), ('code', 'x = 1')]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from .errors import LabError

HEADER = "# Databricks notebook source"
SEPARATOR = "\n\n# COMMAND ----------\n\n"
FOLDERS = ("labs", "solutions", "lakehouse/c360/jobs/notebooks")


def _text(source) -> str:
    return ("".join(source) if isinstance(source, list) else source).rstrip()


def _magic(text: str) -> str:
    return "\n".join(f"# MAGIC {line}" if line else "# MAGIC" for line in text.splitlines())


def to_source(notebook: dict) -> str:
    """A notebook (nbformat JSON as a dict) in Databricks source format.

    Raises:
        LabError: a cell type other than code, markdown or raw.
    """
    cells = []
    for cell in notebook["cells"]:
        text = _text(cell["source"])
        if cell["cell_type"] == "markdown":
            cells.append(_magic("%md\n" + text))
        elif cell["cell_type"] in ("code", "raw"):
            cells.append(_magic(text) if text.startswith("%%") else text)
        else:
            raise LabError(f"cannot export a {cell['cell_type']!r} cell.")
    return HEADER + "\n" + SEPARATOR.join(cells) + "\n"


def parse_source(text: str) -> list:
    """The cells of a Databricks source file as ``[(cell_type, source), ...]`` (the inverse of :func:`to_source`).

    Raises:
        LabError: the text does not start with the Databricks header.
    """
    if not text.startswith(HEADER + "\n"):
        raise LabError("not a Databricks notebook source file (no '# Databricks notebook source' first line).")
    cells = []
    for chunk in text[len(HEADER) + 1:].split(SEPARATOR):
        chunk = chunk.rstrip("\n")
        lines = chunk.splitlines()
        if lines and all(line.startswith("# MAGIC") for line in lines):
            body = "\n".join(line[len("# MAGIC "):] if line != "# MAGIC" else "" for line in lines)
            if body.startswith("%md"):
                cells.append(("markdown", body[len("%md"):].lstrip("\n").rstrip()))
                continue
            cells.append(("code", body.rstrip()))
        else:
            cells.append(("code", chunk.rstrip()))
    return cells


def export_notebooks(out_dir, root=None) -> list:
    """Write every course notebook as ``<out_dir>/<relative path>.py`` in Databricks source format.

    Args:
        out_dir: the folder to write (created; existing files are replaced).
        root: the repository (default: the one this package was installed from).

    Returns:
        The written paths.

    Raises:
        LabError: no repository found.

    Example:
        >>> import tempfile
        >>> any(p.name == "11_workflows_jobs.py" for p in export_notebooks(tempfile.mkdtemp()))
        True
    """
    from ..runtime.paths import repo_root

    root = Path(root) if root else repo_root()
    if root is None:
        raise LabError("no course repository found to export from.", fix="run it from a clone of the course.")
    written = []
    for folder in FOLDERS:
        for nb_path in sorted((root / folder).glob("*.ipynb")):
            target = Path(out_dir) / folder / (nb_path.stem + ".py")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(to_source(json.loads(nb_path.read_text(encoding="utf-8"))), encoding="utf-8")
            written.append(target)
    return written


def main(argv: list[str]) -> int:
    """``python -m lakehouse.course.export OUT_DIR``: what ``make export`` runs."""
    out = Path(argv[0] if argv else "build/databricks")
    written = export_notebooks(out)
    print(f"{len(written)} notebooks in Databricks source format under {out} "
          f"(databricks workspace import-dir {out} /Workspace/Users/<you>/lakehouse-lab)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
