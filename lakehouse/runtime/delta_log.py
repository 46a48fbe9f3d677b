"""A Delta table's log on this machine: its latest version from the names of its commit files.

A Delta table keeps its history in ``<table>/_delta_log``: one commit file per version, named
by the version in 20 digits (``00000000000000000012.json``), beside checkpoints and checksums
(https://github.com/delta-io/delta/blob/master/PROTOCOL.md#delta-log-entries). Listing that
folder answers "what is the latest version" without a Spark query (``DESCRIBE HISTORY`` costs
~0.25 s through Spark Connect). Only for tables whose folder is on this machine.

Example:
    >>> import tempfile
    >>> table = Path(tempfile.mkdtemp())
    >>> latest_version(table)
    -1
    >>> (table / LOG).mkdir()
    >>> _ = (table / LOG / commit_name(12)).write_text("{}")
    >>> latest_version(table), local_folder(table.as_uri()) == table, local_folder("s3://b/t")
    (12, True, None)
"""

from __future__ import annotations

import os
import re
from pathlib import Path

LOG = "_delta_log"
COMMIT_FILE = re.compile(r"^\d{20}\.json$")


def commit_name(version: int) -> str:
    """The file name of commit ``version`` in ``_delta_log`` (``00000000000000000012.json``).

    Example:
        >>> commit_name(12)
        '00000000000000000012.json'
    """
    return f"{version:020d}.json"


def latest_version(table: str | Path) -> int:
    """The latest committed version of the Delta table in the folder ``table``, from its log listing.

    Args:
        table: the table's folder on this machine (the one that holds ``_delta_log``).

    Returns:
        The highest version with a commit file; -1 when the folder has no log or the log no commit.

    Example:
        >>> latest_version("/nonexistent")
        -1
    """
    try:
        names = os.listdir(Path(table) / LOG)
    except (FileNotFoundError, NotADirectoryError):
        return -1
    return max((int(n[:-5]) for n in names if COMMIT_FILE.match(n)), default=-1)


def local_folder(location: str | None) -> Path | None:
    """The folder of a table ``location`` (``DESCRIBE DETAIL``'s) when it is on this machine.

    Args:
        location: a ``file:`` URL or a plain path; anything else (``s3://``, ``dbfs:``) is not local.

    Returns:
        The folder, or None when the location is not a local folder that exists.

    Example:
        >>> local_folder("s3://bucket/t") is None, local_folder(None) is None
        (True, True)
    """
    from urllib.parse import urlparse

    if not location:
        return None
    parsed = urlparse(location)
    if parsed.scheme not in ("", "file"):
        return None
    folder = Path(parsed.path) if parsed.scheme else Path(location)
    return folder if folder.is_dir() else None
