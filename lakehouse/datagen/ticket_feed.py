"""The recorded ticket feed: a data set's ticket commits made once, then replayed by copying.

Landing a batch of support tickets means Delta commits on the landing folder's
``support_tickets`` table (one MERGE per change kind, see :mod:`lakehouse.datagen.arrival`):
seconds of Spark work per batch, paid again by every lab and test that lands the same data.
Those commits are the same for every landing folder, so they are made once per generated data
set, on a *feed* table inside it (``<source>/_ticket_feed/support_tickets``), and each landing
folder receives a batch by copying the feed's files for that batch's versions:

1. the data files the commits add (``add`` and ``cdc`` actions), each via a hidden temporary
   name and a rename;
2. then each commit file ``_delta_log/<version>.json`` (and its ``.crc``), in version order,
   the same way, so a reader never sees a commit whose files are missing.

The copy is byte for byte, so the landing table has the same versions, operations, metrics and
Change Data Feed as if the MERGEs had run on it; its commit timestamps are the copy's time (Delta
without in-commit timestamps dates a commit by its log file's modification time,
https://docs.delta.io/latest/delta-batch.html#data-retention), like a feed that arrives now.

A landing table that is not a copy of the feed (landed before the feed existed, or written by
anyone else) is left to the MERGE path: :func:`copy_batch` returns ``False`` and changes nothing.

Example:
    >>> versions = record_batch(spark, source, manifest_entry, commit)   # doctest: +SKIP
    >>> copy_batch(feed_table(source), landing / "support_tickets", *versions)  # doctest: +SKIP
    True
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from urllib.parse import unquote

from ..runtime.delta_log import LOG, commit_name, latest_version
from ..runtime.locks import file_lock
from .files import write_json_atomic

FEED_DIR = "_ticket_feed"
TABLE = "support_tickets"
VERSIONS = "_versions.json"


def feed_table(source: Path) -> Path:
    """The feed table's folder inside the generated data set ``source``."""
    return Path(source) / FEED_DIR / TABLE


def recorded_versions(source: Path, batch: int, commit) -> tuple[int, int] | None:
    """The feed's versions ``(first, last)`` for ``batch``, recording the batch first if needed.

    Batches are recorded in order (a feed holds batches 0..k); recording batch ``b`` records
    every earlier batch not recorded yet.

    Args:
        source: the generated data set's folder.
        batch: the batch number.
        commit: ``commit(folder, batch)`` makes the batch's ticket commits on
            ``folder/support_tickets`` (the arrival simulator's MERGE path).

    Returns:
        ``(first, last)`` (``last < first`` when the batch has no ticket commit), or ``None``
        when ``source`` cannot hold a feed (not writable): land with MERGEs then.
    """
    root = Path(source) / FEED_DIR
    try:
        root.mkdir(exist_ok=True)
    except OSError:
        return None
    if not os.access(root, os.W_OK | os.X_OK):
        return None
    with file_lock(root / ".feed.lock"):
        path = root / VERSIONS
        recorded = json.loads(path.read_text())["batches"] if path.exists() else {}
        for b in range(batch + 1):
            if str(b) in recorded:
                continue
            first = recorded[str(b - 1)][1] + 1 if b else 0
            commit(root, b)
            recorded[str(b)] = [first, latest_version(root / TABLE)]
            write_json_atomic(path, {"format_version": 1, "batches": recorded})
        first, last = recorded[str(batch)]
    return first, last


def copy_batch(feed: Path, table: Path, first: int, last: int) -> bool:
    """Copy the feed's versions ``first..last`` (and their data files) into ``table``.

    Args:
        feed: the feed table's folder.
        table: the landing table's folder (created when missing).
        first, last: the version range to copy (nothing when ``last < first``).

    Returns:
        True when ``table`` now holds those versions; False (nothing copied) when ``table`` is
        not a copy of the feed up to ``first - 1``: land with MERGEs then.
    """
    feed, table = Path(feed), Path(table)
    have = latest_version(table)
    if have < first - 1 or not all(_same(feed, table, v) for v in range(0, min(have, last) + 1)):
        return False
    commits = [feed / LOG / commit_name(version) for version in range(max(first, have + 1), last + 1)]
    files = [_data_files(commit) for commit in commits]
    if any(f is None for f in files):
        return False
    for commit, data_files in zip(commits, files):
        for rel in data_files:
            _copy(feed / rel, table / rel)
        _copy(commit, table / LOG / commit.name)
        crc = commit.with_suffix(".crc")
        if crc.exists():
            _copy(crc, table / LOG / crc.name)
    return True


def _same(feed: Path, table: Path, version: int) -> bool:
    name = commit_name(version)
    try:
        return (feed / LOG / name).read_bytes() == (table / LOG / name).read_bytes()
    except FileNotFoundError:
        return False


def _data_files(commit: Path) -> list[str] | None:
    """The relative paths of the files a commit adds (``add`` and ``cdc`` actions); None when
    it uses deletion vectors (their files are not copied: land with MERGEs then)."""
    paths = []
    for line in commit.read_text().splitlines():
        action = json.loads(line) if line.strip() else {}
        for kind in ("add", "cdc"):
            if kind in action:
                if action[kind].get("deletionVector"):
                    return None
                paths.append(unquote(action[kind]["path"]))
    return paths


def _copy(src: Path, dst: Path) -> None:
    if dst.exists():
        return
    dst.parent.mkdir(parents=True, exist_ok=True)
    tmp = dst.with_name(f".{dst.name}.copy-{os.getpid()}")
    shutil.copyfile(src, tmp)
    os.replace(tmp, dst)
