"""Small file helpers shared by the writers: time formatting, parts, atomic writes.

Example:
    >>> import numpy as np
    >>> from lakehouse.datagen.files import iso_times, part_name
    >>> str(iso_times(np.array([1704067200]))[0]), part_name("crm", 3, 0)
    ('2024-01-01T00:00:00Z', 'crm/batch-003-part-00.json')
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

EXTENSIONS = {"crm": "json", "transactions": "csv", "clickstream": "parquet", "support_tickets": "parquet"}


def iso_times(ts: np.ndarray) -> np.ndarray:
    """Epoch seconds -> ISO-8601 UTC strings such as ``2024-01-05T13:22:11Z``."""
    return np.datetime_as_string(np.asarray(ts, dtype="int64").astype("datetime64[s]"), unit="s", timezone="UTC")


def iso_dates(ts: np.ndarray) -> np.ndarray:
    """Epoch seconds -> ``YYYY-MM-DD`` strings."""
    return np.datetime_as_string(np.asarray(ts, dtype="int64").astype("datetime64[s]").astype("datetime64[D]"))


def timestamps(ts: np.ndarray) -> pa.Array:
    """Epoch seconds -> an Arrow ``timestamp[us, tz=UTC]`` array."""
    return pa.array(np.asarray(ts, dtype="int64") * 1_000_000, type=pa.timestamp("us", tz="UTC"))


def prefixed(prefix: str, numbers: np.ndarray, width: int) -> pa.Array:
    """Numbers -> ids such as ``T0000000042`` (prefix, then zero-padded to ``width`` digits)."""
    digits = pc.utf8_lpad(pc.cast(pa.array(np.asarray(numbers, dtype=np.int64)), pa.string()), width, "0")
    return pc.binary_join_element_wise(prefix, digits, "")


def part_name(source: str, batch: int, part: int) -> str:
    """The file's path relative to a landing folder, e.g. ``transactions/batch-001-part-02.csv``."""
    return f"{source}/batch-{batch:03d}-part-{part:02d}.{EXTENSIONS[source]}"


def split_parts(n: int, per_file: int) -> list[tuple[int, int]]:
    """``[(start, stop), ...]`` row ranges of at most ``per_file`` rows (one range when ``n == 0``)."""
    count = max(1, -(-n // per_file))
    edges = np.linspace(0, n, count + 1).round().astype(int)
    return [(int(a), int(b)) for a, b in zip(edges[:-1], edges[1:])]


def write_json_atomic(path: Path, data: dict) -> None:
    """Write ``data`` as indented JSON to ``path`` via a hidden temp file and a rename."""
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_text(json.dumps(data, indent=1) + "\n")
    os.replace(tmp, path)
