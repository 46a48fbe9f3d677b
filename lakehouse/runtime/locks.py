"""An exclusive file lock between processes (two notebooks starting one engine, two
arrivals into one folder).

Example:
    >>> import tempfile, pathlib
    >>> from lakehouse.runtime.locks import file_lock
    >>> with file_lock(pathlib.Path(tempfile.mkdtemp()) / "x.lock"):
    ...     pass
"""

from __future__ import annotations

import fcntl
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def file_lock(path: Path):
    """Hold an exclusive ``flock`` on ``path`` (created if missing) for the ``with`` block."""
    with open(path, "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)
