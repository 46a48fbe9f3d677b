"""Which files a stream has discovered, in order: the basis of exactly-once.

A stream's offsets are positions in its file log: ``{"log": <folder>, "index": n}`` means
"the first n logged files". Newly listed files are appended to the log (atomically, one
segment file per append) *before* an offset that covers them is returned, and logged entries
never change. So a batch (start, end) always means the same files, after a restart or a
``kill -9`` at any point: Spark re-runs an uncommitted batch with the same offsets and the
Delta sink skips a batch it already committed. Databricks keeps the same state in RocksDB
under the checkpoint; the Python data source API does not hand the checkpoint folder to the
source, so the log lives under the schema location (or ``LAKEHOUSE_HOME/cloudfiles``) with a
fresh id per new checkpoint, and the checkpoint's offsets name it.

Files and folders whose names start with ``_`` or ``.`` (temporary files) are ignored, as
Spark's file sources do.

Example:
    >>> import tempfile
    >>> log = FileLog.create(Path(tempfile.mkdtemp()))
    >>> log.append([FileEntry("/in/a.json", 10, 1)])
    >>> [e.path for e in log.entries()]
    ['/in/a.json']
"""

from __future__ import annotations

import fnmatch
import glob
import json
import os
import uuid
from dataclasses import dataclass
from pathlib import Path

from .errors import FileLogError
from .schema_store import local_path


@dataclass(frozen=True)
class FileEntry:
    """One discovered file: absolute local path, size in bytes, modification time (ms)."""

    path: str
    size: int
    mtime_ms: int


def _hidden(name: str) -> bool:
    # Spark's InMemoryFileIndex.shouldFilterOutPathName
    return (name.startswith("_") and "=" not in name) or name.startswith(".") or name.endswith("._COPYING_")


def list_files(path: str, glob_filter: str | None = None) -> list[FileEntry]:
    """List the data files under ``path`` (recursively), oldest first.

    Args:
        path: the folder given to ``.load()`` (a glob pattern is allowed, as on Databricks).
        glob_filter: ``pathGlobFilter``: keep only file names matching it.

    Returns:
        Entries sorted by (modification time, path); a missing folder gives an empty list.
    """
    base = str(local_path(path))
    roots = sorted(glob.glob(base)) if glob.has_magic(base) else [base]
    found: dict[str, FileEntry] = {}

    def add(file_path: str) -> None:
        name = os.path.basename(file_path)
        if _hidden(name) or (glob_filter and not fnmatch.fnmatch(name, glob_filter)):
            return
        try:
            st = os.stat(file_path)
        except FileNotFoundError:
            return
        found[file_path] = FileEntry(file_path, st.st_size, st.st_mtime_ns // 1_000_000)

    for root in roots:
        if os.path.isfile(root):
            add(root)
            continue
        for folder, dirs, files in os.walk(root):
            dirs[:] = sorted(d for d in dirs if not _hidden(d))
            for name in files:
                add(os.path.join(folder, name))
    return sorted(found.values(), key=lambda e: (e.mtime_ms, e.path))


def listed_files(opts) -> list[FileEntry]:
    """:func:`list_files` for a stream's options: ``pathGlobFilter``, ``modifiedAfter`` and
    ``modifiedBefore`` (generic file-source options) applied."""
    files = list_files(opts.path, opts.path_glob)
    after, before = opts.modified_after_ms, opts.modified_before_ms
    if after is not None or before is not None:
        files = [e for e in files if (after is None or e.mtime_ms > after) and (before is None or e.mtime_ms < before)]
    return files


def log_root(schema_location: str | None) -> Path:
    """Where the file logs of a stream live: ``<schemaLocation>/_cloudfiles/file_logs`` or
    ``LAKEHOUSE_HOME/cloudfiles/file_logs``."""
    if schema_location:
        return local_path(schema_location) / "_cloudfiles" / "file_logs"
    from ..runtime.paths import lakehouse_home

    return lakehouse_home() / "cloudfiles" / "file_logs"


class FileLog:
    """An append-only list of :class:`FileEntry` stored as numbered JSON segments."""

    def __init__(self, directory: Path | str):
        self.dir = Path(directory)
        self._entries: list[FileEntry] | None = None
        self._paths: set[str] = set()

    @classmethod
    def create(cls, root: Path, initial: list[FileEntry] | None = None) -> "FileLog":
        """A new, empty log in a fresh folder under ``root``; ``initial`` entries (files that
        existed when the stream started with ``includeExistingFiles=false``) are logged as
        already passed: the stream's initial index is their count."""
        log = cls(root / uuid.uuid4().hex)
        log.dir.mkdir(parents=True, exist_ok=False)
        initial = list(initial or [])
        _atomic_write(log.dir / "meta.json", json.dumps({"initial_index": len(initial)}))
        log._entries = []
        if initial:
            log.append(initial)
        return log

    def initial_index(self) -> int:
        """How many logged files were skipped at the start (``includeExistingFiles=false``)."""
        try:
            return int(json.loads((self.dir / "meta.json").read_text())["initial_index"])
        except (OSError, ValueError, KeyError) as exc:
            raise FileLogError(f"The file log {self.dir} is missing or damaged ({exc}).",
                               fix="start the stream with a new checkpoint folder.") from exc

    def entries(self) -> list[FileEntry]:
        """All logged entries in order (read once, then kept in memory)."""
        if self._entries is None:
            if not self.dir.is_dir():
                raise FileLogError(f"The file log {self.dir} named by the checkpoint does not exist.",
                                   fix="the schema location was deleted: start with a new checkpoint folder.")
            entries: list[FileEntry] = []
            for seg in sorted(p for p in self.dir.iterdir() if p.name.endswith(".seg")):
                start = int(seg.name.split(".")[0])
                if start != len(entries):
                    raise FileLogError(f"The file log {self.dir} has a gap at segment {seg.name}.",
                                       fix="start the stream with a new checkpoint folder.")
                entries.extend(FileEntry(*row) for row in json.loads(seg.read_text()))
            self._entries = entries
            self._paths = {e.path for e in entries}
        return self._entries

    def known(self, path: str) -> bool:
        """True when ``path`` is already logged."""
        self.entries()
        return path in self._paths

    def append(self, new: list[FileEntry]) -> None:
        """Log ``new`` entries after the existing ones (durable before returning)."""
        entries = self.entries()
        if not new:
            return
        body = json.dumps([[e.path, e.size, e.mtime_ms] for e in new])
        _atomic_write(self.dir / f"{len(entries):012d}.seg", body)
        entries.extend(new)
        self._paths.update(e.path for e in new)


def _atomic_write(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    with open(tmp, "w") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
