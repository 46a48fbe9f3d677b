"""The learner's workspace: a git-ignored copy of ``labs/`` that the course never overwrites.

``labs/`` in the repository is generated from ``solutions/`` and stays pristine, so ``git pull``
and ``make test`` never meet a learner's answers. ``make lab`` serves ``workspace/`` instead:

* :func:`sync_workspace` copies each lab notebook that is not in the workspace yet (first use,
  or a lab that arrived later with ``git pull``); a notebook already there is never touched;
* :func:`reset_notebook` (``lakehouse labs reset NN``) starts one lab's notebook over from
  ``labs/``, after moving the learner's copy to ``workspace/.backups/<name>.<timestamp>.ipynb``.

:func:`notebook_content` is what two notebooks must share to count as the same: cell types,
sources and tags, and the kernel — not the metadata a front end adds (JupyterLab fills in
``language_info``, cell ids and widget state as soon as a notebook is opened).

Example:
    >>> import json, tempfile, pathlib
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> (root / "labs").mkdir()
    >>> _ = (root / "labs" / "00_welcome_and_setup.ipynb").write_text(json.dumps(
    ...     {"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    >>> sync_workspace(root).copied
    ['00_welcome_and_setup.ipynb']
    >>> sync_workspace(root).copied   # never copied twice, never overwritten
    []
"""

from __future__ import annotations

import json
import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

from .errors import LabError
from ..runtime.paths import repo_root
from .catalog import resolve_lab

BACKUPS = ".backups"


@dataclass(frozen=True)
class SyncReport:
    """What :func:`sync_workspace` did: notebooks copied in, and notebooks left as the learner has them."""

    workspace: Path
    copied: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)


def workspace_dir(root: Path | None = None) -> Path:
    """The learner's workspace: ``$LAKEHOUSE_WORKSPACE`` or ``<repo>/workspace``.

    Raises:
        LabError: no course repository found and ``LAKEHOUSE_WORKSPACE`` not set.
    """
    env = os.environ.get("LAKEHOUSE_WORKSPACE")
    if env:
        return Path(env).expanduser().resolve()
    return _root(root) / "workspace"


def _root(root: Path | None) -> Path:
    root = root or repo_root()
    if root is None:
        raise LabError("No course repository found (labs/ next to pyproject.toml).",
                       fix="run this from a clone of the course (git clone ...; make lab).")
    return Path(root)


def _lab_notebooks(root: Path) -> list[Path]:
    return sorted((root / "labs").glob("[0-9][0-9]_*.ipynb"))


def sync_workspace(root: Path | None = None, workspace: Path | None = None) -> SyncReport:
    """Copy into the workspace every lab notebook it does not have yet; never overwrite one.

    Args:
        root: the course repository (default: the one this package is installed from).
        workspace: the workspace folder (default :func:`workspace_dir`).

    Returns:
        A :class:`SyncReport` with the notebooks copied and those kept.

    Raises:
        LabError: no course repository, or its ``labs/`` folder has no notebook.
    """
    root = _root(root)
    target = workspace or workspace_dir(root)
    labs = _lab_notebooks(root)
    if not labs:
        raise LabError(f"{root / 'labs'} has no lab notebook.", fix="run `make labs` to write them from solutions/.")
    target.mkdir(parents=True, exist_ok=True)
    report = SyncReport(workspace=target)
    for nb in labs:
        dest = target / nb.name
        if dest.exists():
            report.kept.append(nb.name)
            continue
        tmp = dest.with_name(f".{nb.name}.copy-{os.getpid()}")
        shutil.copyfile(nb, tmp)
        os.replace(tmp, dest)
        report.copied.append(nb.name)
    return report


def reset_notebook(lab: str, root: Path | None = None, workspace: Path | None = None) -> Path | None:
    """Start one lab's notebook over from ``labs/``, keeping the learner's copy as a backup.

    Args:
        lab: ``"NN"`` or ``"NN_topic"``.
        root, workspace: as for :func:`sync_workspace`.

    Returns:
        The backup's path (``workspace/.backups/NN_topic.<YYYYmmdd-HHMMSS>.ipynb``), or None when
        the workspace had no copy of that notebook.

    Raises:
        LabError: not a lab of the course, or the lab has no notebook in ``labs/`` yet.
    """
    lab_id = resolve_lab(lab)
    root = _root(root)
    target = workspace or workspace_dir(root)
    source = root / "labs" / f"{lab_id}.ipynb"
    if not source.is_file():
        raise LabError(f"lab {lab_id} has no notebook in {root / 'labs'} yet.",
                       fix="`git pull` brings new labs; `ls labs/` lists those there are.")
    dest = target / source.name
    backup = None
    if dest.exists():
        backups = target / BACKUPS
        backups.mkdir(parents=True, exist_ok=True)
        stamp = time.strftime("%Y%m%d-%H%M%S")
        backup = backups / f"{lab_id}.{stamp}.ipynb"
        n = 1
        while backup.exists():  # two resets in one second
            n += 1
            backup = backups / f"{lab_id}.{stamp}-{n}.ipynb"
        os.replace(dest, backup)
    target.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, dest)
    return backup


def notebook_content(text: str) -> dict:
    """What makes two notebooks the same lab: kernel, and per cell its type, source and tags.

    Outputs, execution counts, cell ids and any other metadata (what JupyterLab adds when it
    opens or saves a notebook) are left out.

    Raises:
        LabError: ``text`` is not a notebook (JSON with a ``cells`` list).

    Example:
        >>> a = '{"cells": [{"cell_type": "code", "source": ["x = 1"], "metadata": {}}], "metadata": {}}'
        >>> b = ('{"cells": [{"cell_type": "code", "source": "x = 1", "id": "f00", "outputs": [],'
        ...      ' "metadata": {"trusted": true}}], "metadata": {"language_info": {"version": "3.11"}}}')
        >>> notebook_content(a) == notebook_content(b)
        True
    """
    try:
        nb = json.loads(text)
        cells = nb["cells"]
    except (ValueError, KeyError, TypeError) as exc:
        raise LabError(f"not a notebook: {exc}", fix="regenerate it with `make labs`.") from None

    def joined(source) -> str:
        return "".join(source) if isinstance(source, list) else str(source)

    return {
        "kernel": (nb.get("metadata", {}).get("kernelspec") or {}).get("name"),
        "cells": [(c.get("cell_type"), joined(c.get("source", "")), tuple(c.get("metadata", {}).get("tags", [])))
                  for c in cells],
    }
