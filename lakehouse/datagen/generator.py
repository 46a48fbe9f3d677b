"""``generate()``: write every batch of every source into a folder, Spark-free and atomically.

Everything is built inside a hidden staging folder ``<out>/.datagen-XXXX`` and moved into
place with renames; the manifest comes last. A run that is interrupted leaves no manifest, so
the next run cleans up and starts again: there is never a half-written batch.

Example:
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     m = generate(tmp, scale=0.01, seed=1, progress=False)
    >>> m["num_batches"], m["totals"]["crm"]["records"] > 100
    (6, True)
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq

from .clickstream import batch_sizes as click_sizes
from .clickstream import clickstream_batch
from .customers import crm_batches, make_population, truth_table
from .errors import BadArgumentError, OutputConflictError, OutputDirError
from ..runtime.locks import file_lock
from .files import part_name
from .manifest import (BATCHES, FORMAT_VERSION, MANIFEST_NAME, TRUTH, add_totals, batch_entry, batch_folder, new_manifest,
                       read_manifest, source_entry, write_manifest)
from .plan import DEFAULT_SCALE, DEFAULT_SEED, Plan, make_plan
from .ticket_feed import FEED_DIR  # the recorded ticket feed lives in the data set's folder
from .tickets import ticket_batches
from .transactions import batch_sizes as txn_sizes
from .transactions import transaction_batch

_OURS = (BATCHES, "_truth")


def generate(out, *, scale: float = DEFAULT_SCALE, seed: int = DEFAULT_SEED, batches: int | None = None,
             progress: bool = True) -> dict:
    """Generate the four sources, batch by batch, into ``out`` and return the manifest.

    Writes ``out/_batches/NNN/<source>/...`` (staged batches), ``out/_truth/customers.parquet``
    (hidden churn answers) and ``out/_manifest.json``. Nothing lands in ``out/<source>/`` yet:
    :func:`lakehouse.datagen.arrive` does that. Same ``(seed, scale, batches)`` -> same records.

    Args:
        out: the folder to write (created if missing; may already hold hidden files only).
        scale: size multiplier, 0.001..20 (1 = 10k customers, 500k transactions, 1M click events,
            20k tickets; 0.01 is a tiny data set for tests).
        seed: a non-negative integer.
        batches: number of arrival batches ("days"), 1..60; None means 6.
        progress: show a progress bar (tqdm, on stderr).

    Returns:
        The manifest (see :mod:`lakehouse.datagen.manifest`). When ``out`` already holds the data
        of the same seed, scale and batch count, nothing is written and its manifest is returned.

    Raises:
        BadArgumentError: a bad scale, seed, batch count, ``out`` or ``progress``.
        OutputDirError: ``out`` cannot be created or written, or holds files of something else.
        OutputConflictError: ``out`` holds data generated with another seed, scale or batch count.

    Example:
        >>> m = generate("/tmp/lh-demo", scale=0.01, seed=7, progress=False)   # doctest: +SKIP
        >>> m["batches"][0]["sources"]["transactions"]["files"][0]["path"]       # doctest: +SKIP
        'transactions/batch-000-part-00.csv'
    """
    plan = make_plan(scale=scale, seed=seed, batches=batches)
    if not isinstance(progress, bool):
        raise BadArgumentError(f"progress must be True or False, got {progress!r}.", fix="e.g. progress=False.")
    out = _as_folder(out, "out")
    _make_folder(out)
    if not (out / MANIFEST_NAME).exists():
        _refuse_foreign(out)  # before the lock file is made: a refused folder is left as it was
    # One generator per folder at a time (two notebooks, or two test workers, asking for the same
    # data set): the second waits, then finds the data set made and returns its manifest.
    with file_lock(out / ".generate.lock"):
        existing = _prepare(out, plan)
        if existing is not None:
            return existing
        staging = Path(tempfile.mkdtemp(prefix=".datagen-", dir=out))
        try:
            manifest = _build(plan, staging, progress)
            for name in _OURS:
                os.replace(staging / name, out / name)
            write_manifest(out, manifest)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return manifest


def _as_folder(value, name: str) -> Path:
    if not isinstance(value, (str, os.PathLike)) or str(value) == "":
        raise BadArgumentError(f"{name} must be a folder path (str or Path), got {value!r}.",
                               fix=f"e.g. {name}='data/landing'.")
    return Path(value).expanduser().resolve()


def _make_folder(out: Path) -> None:
    """Create ``out`` (a writable folder) or say why it cannot be used."""
    fix = "choose another folder with --out, or fix its permissions."
    if out.exists() and not out.is_dir():
        raise OutputDirError(f"--out {out} is a file, not a folder.", fix=fix)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputDirError(f"cannot create the output folder {out}: {exc.strerror or exc}.", fix=fix) from None
    if not os.access(out, os.W_OK | os.X_OK):
        raise OutputDirError(f"the output folder {out} is not writable.", fix=fix)


def _prepare(out: Path, plan: Plan) -> dict | None:
    """Return ``out``'s manifest when it already holds this exact data set, else clear it."""
    if (out / MANIFEST_NAME).exists():
        manifest = read_manifest(out)
        have = (manifest["seed"], manifest["scale"], manifest["num_batches"])
        if have != (plan.seed, plan.scale, plan.num_batches):
            raise OutputConflictError(
                f"{out} already holds data generated with seed={have[0]}, scale={have[1]}, batches={have[2]} "
                f"(asked: seed={plan.seed}, scale={plan.scale}, batches={plan.num_batches}).",
                fix=f"use the same --seed/--scale/--batches, another --out, or delete {out} first.")
        if (out / BATCHES).is_dir() and manifest.get("format_version") == FORMAT_VERSION:
            return manifest
    else:
        _refuse_foreign(out)
    for leftover in [*(out / n for n in (*_OURS, FEED_DIR)), *out.glob(".datagen-*")]:  # an earlier run
        shutil.rmtree(leftover, ignore_errors=True)
    return None


def _refuse_foreign(out: Path) -> None:
    """Raise ``OutputDirError`` when ``out`` holds files the generator did not write."""
    others = sorted(p.name for p in out.iterdir() if not p.name.startswith(".") and p.name not in (*_OURS, FEED_DIR))
    if others:
        raise OutputDirError(f"{out} is not empty and was not written by the data generator "
                             f"(found: {', '.join(others[:5])}).",
                             fix="choose a new or empty folder with --out.")


def _build(plan: Plan, root: Path, progress: bool) -> dict:
    """Generate every batch under ``root`` and return the manifest (with totals)."""
    from tqdm import tqdm  # text, also in a notebook: a widget bar is dead ("model not found") once saved

    bar = tqdm(total=3 + 4 * plan.num_batches, desc="generating data", unit="step", disable=not progress,
               leave=False)
    try:
        pop = make_population(plan)
        (root / "_truth").mkdir()
        pq.write_table(truth_table(plan, pop), root / TRUTH)
        crm = crm_batches(plan, pop)
        bar.update(1)
        tickets = ticket_batches(plan, pop)
        bar.update(1)
        txn_n, click_n = txn_sizes(plan, pop), click_sizes(plan, pop)
        txn_first = np.concatenate([[1], 1 + np.cumsum(txn_n)[:-1]])
        click_first = np.concatenate([[1], 1 + np.cumsum(click_n)[:-1]])
        bar.update(1)
        manifest = new_manifest(plan)
        for b in range(plan.num_batches):
            folder = batch_folder(root, b)
            for source in ("crm", "transactions", "clickstream", "support_tickets"):
                (folder / source).mkdir(parents=True)
            entries = {}

            files = []
            for i, lines in enumerate(crm[b].parts):
                name = part_name("crm", b, i)
                (folder / name).write_text("\n".join(lines) + "\n" if lines else "")
                files.append((name, len(lines)))
            entries["crm"] = source_entry("crm", files, crm[b].records, crm[b].defects)
            bar.update(1)

            txn = transaction_batch(plan, pop, b, int(txn_n[b]), int(txn_first[b]))
            files = []
            for i, (data, rows) in enumerate(zip(txn.parts, txn.part_rows)):
                name = part_name("transactions", b, i)
                (folder / name).write_bytes(data)
                files.append((name, rows))
            entries["transactions"] = source_entry("transactions", files, txn.records, txn.defects)
            bar.update(1)

            clicks = clickstream_batch(plan, pop, b, int(click_n[b]), int(click_first[b]))
            files = []
            for i, table in enumerate(clicks.parts):
                name = part_name("clickstream", b, i)
                pq.write_table(table, folder / name)
                files.append((name, table.num_rows))
            entries["clickstream"] = source_entry("clickstream", files, clicks.records, clicks.defects,
                                                  columns=clicks.parts[0].schema.names)
            bar.update(1)

            tk = tickets[b]
            name = part_name("support_tickets", b, 0)
            pq.write_table(tk.table, folder / name)
            entries["support_tickets"] = source_entry("support_tickets", [(name, tk.table.num_rows)], tk.records,
                                                      tk.defects, table="support_tickets",
                                                      operations=dict(tk.operations))
            bar.update(1)
            manifest["batches"].append(batch_entry(plan, b, entries))
        return add_totals(manifest)
    finally:
        bar.close()
