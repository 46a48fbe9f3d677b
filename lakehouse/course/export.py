"""``make export``: every notebook of the course in Databricks source format, for
``databricks workspace import-dir``.

The format itself (both directions) is :mod:`lakehouse.notebook.source`; ``lakehouse notebooks
import`` is the inverse of this export. Exported: ``labs/``, ``solutions/`` and the job task
notebooks (``lakehouse/c360/jobs/notebooks/``), under one folder with the same relative paths;
notebook outputs and cell tags are not part of the format.

Example:
    >>> print(to_source({"cells": [{"cell_type": "code", "source": "x = 1"}]}))
    # Databricks notebook source
    x = 1
    <BLANKLINE>
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from ..notebook.source import parse_source, to_source
from .errors import LabError

FOLDERS = ("labs", "solutions", "lakehouse/c360/jobs/notebooks")
__all__ = ["FOLDERS", "export_notebooks", "parse_source", "to_source"]


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
