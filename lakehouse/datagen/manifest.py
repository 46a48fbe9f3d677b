"""``_manifest.json``: what a generation run wrote, per source and batch, with exact counts.

Layout (paths are relative to the generated folder; a file listed as ``crm/batch-000-part-00.json``
is staged at ``_batches/000/crm/batch-000-part-00.json`` and lands as ``<landing>/crm/...``)::

    {"format_version": 2, "seed": 42, "scale": 1.0, "num_batches": 6,
     "timeline": {"start": "2024-01-01T00:00:00Z", "end": "...", "batch_seconds": 2592000},
     "sizes": {"customers": 10000, "transactions": 500000, "click_events": 1000000, "tickets": 20000},
     "sources": ["crm", "transactions", "clickstream", "support_tickets"],
     "staging": "_batches/{batch:03d}", "truth": "_truth/customers.parquet",
     "defect_rates": {"crm": {"malformed_json": 0.01, ...}, ...},
     "batches": [{"batch": 0, "window": {"start": "...", "end": "..."},
                  "sources": {"crm": {"format": "json", "files": [{"path": "crm/batch-000-part-00.json", "rows": 5000}],
                                      "rows": 10123, "records": 9876, "defects": {"malformed_json": 99, ...}},
                              ...}}],
     "totals": {"crm": {"files": 13, "rows": ..., "records": ..., "defects": {...}}, ...}}

How rows are counted:
- ``rows``: every physical row: a line of a JSON-lines file (a malformed line is one row), a
  data line of a CSV file (the header is not a row; a short row is one row), a Parquet row,
  a staged ticket change. An empty (zero-byte) file has 0 rows.
- ``records``: the genuine records, before defects were added; rates apply to this number.
  ``rows = records + extra rows`` where the extra rows are: crm ``malformed_json``,
  ``null_customer_id``, ``unknown_customer_id`` and ``out_of_order``; transactions and
  clickstream ``duplicate``; clickstream ``bot_event``. Every other kind alters a genuine record in place.
- ``support_tickets``: ``rows`` counts change rows, ``operations`` splits them by kind
  (open, update, close, delete); the Delta change feed shows an update or a close as an
  ``update_preimage`` plus an ``update_postimage`` row.

Example:
    >>> from lakehouse.datagen.manifest import EXTRA_ROW_DEFECTS
    >>> EXTRA_ROW_DEFECTS["transactions"]
    ('duplicate',)
"""

from __future__ import annotations

import json
import numbers
import os
from pathlib import Path

from .defects import DEFECT_RATES, defect_kinds
from .errors import BadArgumentError, ManifestError
from .files import iso_times, write_json_atomic
from .plan import BASE_SIZES, SOURCES, Plan

MANIFEST_NAME = "_manifest.json"
FORMAT_VERSION = 2
"""2: clickstream bot traffic (``bot_event``). A data set of an older version is generated again."""
BATCHES = "_batches"
"""The folder of the staged batches in a generated data set (one sub-folder per batch)."""
STAGING = BATCHES + "/{batch:03d}"
TRUTH = "_truth/customers.parquet"
FORMATS = {"crm": "json", "transactions": "csv", "clickstream": "parquet", "support_tickets": "delta-changes"}
EXTRA_ROW_DEFECTS = {
    "crm": ("malformed_json", "null_customer_id", "unknown_customer_id", "out_of_order"),
    "transactions": ("duplicate",),
    "clickstream": ("duplicate", "bot_event"),
    "support_tickets": (),
}
"""Defect kinds that add rows (all others alter a genuine record in place or are file-level)."""


def batch_folder(root, batch: int, source: str | None = None) -> Path:
    """The folder of one staged batch of a generated data set, or of one source in it.

    The layout is ``<root>/_batches/NNN/<source>/...`` (``NNN``: the batch number in three
    digits); :func:`lakehouse.datagen.arrive` copies a batch's files from there into a landing folder.

    Args:
        root: the generated data set's folder (:func:`lakehouse.datagen.generate`'s ``out``).
        batch: the batch number (0 for the first day).
        source: one of :data:`lakehouse.datagen.SOURCES` for that source's sub-folder, or None.

    Returns:
        The folder's path (whether or not it exists).

    Raises:
        BadArgumentError: ``batch`` is not an integer >= 0, or ``source`` is not a source.

    Example:
        >>> batch_folder("data/landing", 0, "crm").as_posix()
        'data/landing/_batches/000/crm'
        >>> batch_folder(Path("data/landing"), 12).as_posix()
        'data/landing/_batches/012'
    """
    if isinstance(batch, bool) or not isinstance(batch, numbers.Integral) or batch < 0:
        raise BadArgumentError(f"batch must be an integer >= 0, got {batch!r}.", fix="e.g. batch=0 (the first day).")
    if source is not None and source not in SOURCES:
        raise BadArgumentError(f"source must be one of {', '.join(SOURCES)}, got {source!r}.",
                               fix="e.g. source='crm'.")
    folder = Path(root) / STAGING.format(batch=int(batch))
    return folder / source if source is not None else folder


def new_manifest(plan: Plan) -> dict:
    """The manifest's header for ``plan`` (batches are appended by the generator)."""
    return {
        "format_version": FORMAT_VERSION,
        "generator": "lakehouse.datagen",
        "seed": plan.seed,
        "scale": plan.scale,
        "num_batches": plan.num_batches,
        "timeline": {"start": str(iso_times([plan.start_s])[0]), "end": str(iso_times([plan.end_s])[0]),
                     "batch_seconds": plan.window_s},
        "sizes": {"customers": plan.n_customers, "transactions": plan.n_transactions,
                  "click_events": plan.n_events, "tickets": plan.n_tickets},
        "base_sizes": dict(BASE_SIZES),
        "sources": list(SOURCES),
        "staging": STAGING,
        "truth": TRUTH,
        "defect_rates": {s: dict(r) for s, r in DEFECT_RATES.items()},
        "batches": [],
    }


def batch_entry(plan: Plan, batch: int, sources: dict[str, dict]) -> dict:
    """One ``batches[]`` entry: the window and the per-source entries (in :data:`SOURCES` order)."""
    start, end = plan.window(batch)
    return {"batch": batch, "window": {"start": str(iso_times([start])[0]), "end": str(iso_times([end])[0])},
            "sources": {s: sources[s] for s in SOURCES}}


def source_entry(source: str, files: list[tuple[str, int]], records: int, defects: dict[str, int], **extra) -> dict:
    """One source's entry in a batch: files with rows, totals, and every defect kind (0 if none)."""
    entry = {
        "format": FORMATS[source],
        "files": [{"path": p, "rows": int(r)} for p, r in files],
        "rows": int(sum(r for _, r in files)),
        "records": int(records),
        "defects": {k: int(defects.get(k, 0)) for k in defect_kinds(source)},
    }
    entry.update(extra)
    return entry


def add_totals(manifest: dict) -> dict:
    """Fill ``manifest["totals"]`` (per source: files, rows, records, defects) and return it."""
    totals = {}
    for source in SOURCES:
        entries = [b["sources"][source] for b in manifest["batches"]]
        totals[source] = {
            "files": sum(len(e["files"]) for e in entries),
            "rows": sum(e["rows"] for e in entries),
            "records": sum(e["records"] for e in entries),
            "defects": {k: sum(e["defects"][k] for e in entries) for k in defect_kinds(source)},
        }
        if source == "support_tickets":
            totals[source]["operations"] = {k: sum(e["operations"][k] for e in entries)
                                            for k in entries[0]["operations"]} if entries else {}
    manifest["totals"] = totals
    return manifest


def write_manifest(folder: Path, manifest: dict) -> Path:
    """Write ``folder/_manifest.json`` atomically (temp file, then rename)."""
    path = Path(folder) / MANIFEST_NAME
    write_json_atomic(path, manifest)
    return path


def read_manifest(folder) -> dict:
    """Read the manifest of a generated data folder.

    Args:
        folder: the folder ``generate`` wrote (``str`` or path), e.g. ``data/landing``.

    Returns:
        The manifest as a dict (layout in :mod:`lakehouse.datagen.manifest`).

    Raises:
        BadArgumentError: ``folder`` is not a str or path.
        ManifestError: no readable ``_manifest.json`` in ``folder``.

    Example:
        >>> m = read_manifest("data/landing")                 # doctest: +SKIP
        >>> m["seed"], m["totals"]["transactions"]["rows"]    # doctest: +SKIP
        (42, 505000)
    """
    if not isinstance(folder, (str, os.PathLike)) or str(folder) == "":
        raise BadArgumentError(f"folder must be a path (str or Path), got {type(folder).__name__}.",
                               fix="pass the folder `lakehouse data generate --out` wrote, e.g. 'data/landing'.")
    path = Path(folder).expanduser() / MANIFEST_NAME
    fix = f"generate the data first: `lakehouse data generate --out {Path(folder)}`."
    try:
        manifest = json.loads(path.read_text())
    except FileNotFoundError:
        raise ManifestError(f"{path} does not exist: {Path(folder)} holds no generated data.", fix=fix) from None
    except (OSError, ValueError) as exc:
        raise ManifestError(f"{path} cannot be read ({exc}).", fix=f"delete {Path(folder)} and {fix}") from None
    needed = ("format_version", "seed", "scale", "num_batches", "batches")
    if not isinstance(manifest, dict) or any(k not in manifest for k in needed):
        raise ManifestError(f"{path} is not a data generator manifest (missing keys).",
                            fix=f"delete {Path(folder)} and {fix}")
    if manifest["format_version"] != FORMAT_VERSION:
        raise ManifestError(f"{path} has format_version {manifest['format_version']}, expected {FORMAT_VERSION}.",
                            fix=f"delete {Path(folder)} and {fix}")
    return manifest
