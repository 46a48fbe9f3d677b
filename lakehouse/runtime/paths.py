"""Where things live: the repository, ``LAKEHOUSE_HOME`` and the jar cache.

Everything a run writes lives under one root, ``LAKEHOUSE_HOME`` (default ``.lakehouse/``
in the repository). Nothing here creates a folder; callers do when they write.

Example:
    >>> from lakehouse.runtime.paths import lakehouse_home
    >>> lakehouse_home().is_absolute()   # $LAKEHOUSE_HOME, else <repo>/.lakehouse
    True
"""

from __future__ import annotations

import os
from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parents[1]  # the lakehouse package (this module is in lakehouse/runtime/)


def repo_root() -> Path | None:
    """The course repository this package was installed from (editable), or None."""
    candidate = _PACKAGE_DIR.parent
    if (candidate / "pyproject.toml").is_file() and (candidate / "solutions").is_dir():
        return candidate
    return None


def lakehouse_home() -> Path:
    """The root of everything a run writes: ``$LAKEHOUSE_HOME`` or ``<repo>/.lakehouse``.

    Returns:
        An absolute path (it may not exist yet).
    """
    env = os.environ.get("LAKEHOUSE_HOME")
    if env:
        return Path(env).expanduser().resolve()
    root = repo_root()
    return (root / ".lakehouse") if root else (Path.home() / ".lakehouse")


def jars_dir() -> Path:
    """The Delta jar cache: ``$LAKEHOUSE_JARS`` or ``<repo>/.jars`` (outside ``LAKEHOUSE_HOME``,
    so that resetting a home never forces a new download)."""
    env = os.environ.get("LAKEHOUSE_JARS")
    if env:
        return Path(env).expanduser().resolve()
    root = repo_root()
    return (root / ".jars") if root else (Path.home() / ".cache" / "lakehouse" / "jars")


def on_databricks() -> bool:
    """True inside a Databricks runtime (``DATABRICKS_RUNTIME_VERSION`` is set)."""
    return bool(os.environ.get("DATABRICKS_RUNTIME_VERSION"))
