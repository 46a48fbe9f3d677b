"""The arrival simulator: land the next batches of a generated data set into a landing folder.

``arrive(source, target, batches=K)`` lands the next ``K`` batches that ``target`` has not
received yet, in order:

- ``crm``, ``transactions``, ``clickstream``: each file is copied to a hidden temporary name
  in ``target/<source>/`` (``.batch-...landing-<pid>``) and renamed to its final name
  (``batch-NNN-part-PP.<ext>``), so a file stream (Auto Loader) only ever sees whole files.
- ``support_tickets``: the batch's staged changes become commits on the path-based Delta
  table ``target/support_tickets`` (created with ``delta.enableChangeDataFeed = true``; its
  version 0 is the CREATE TABLE). Each batch makes one MERGE commit per change kind present,
  in the order open (insert), update, close (both update), delete. The MERGEs run once per
  generated data set, on its recorded feed, and every landing folder gets a byte-for-byte copy
  of those commits (:mod:`lakehouse.datagen.ticket_feed`): Spark is needed only for the first
  landing of a batch.
- The batch is then recorded in ``target/_arrivals.json``. Ticket commits come first and every
  step is idempotent (files keep their names and bytes, MERGEs only apply newer changes), so a
  run that fails half-way is completed by running it again.

The arrival state lives in the target, so several labs can each land the same generated data
into their own folders at their own pace.

Example:
    >>> from lakehouse.datagen import arrive                       # doctest: +SKIP
    >>> arrive("data/landing", "/tmp/lab02/landing", batches=2)    # doctest: +SKIP
    Landed batch 0 (2024-01-01 .. 2024-01-31) into /tmp/lab02/landing: ...
    Landed batch 1 (2024-01-31 .. 2024-03-01) into /tmp/lab02/landing: ...
    [0, 1]
"""

from __future__ import annotations

import json
import numbers
import os
import shutil
import time
from pathlib import Path

from ..runtime.locks import file_lock
from ..runtime.names import quote
from .errors import ArrivalConflictError, BadArgumentError, ManifestError, OutputDirError
from .files import write_json_atomic
from .manifest import BATCHES, batch_folder, read_manifest
from .ticket_feed import copy_batch, feed_table, recorded_versions
from .tickets import OPERATIONS, TABLE_SCHEMA

ARRIVALS_NAME = "_arrivals.json"
TICKETS_TABLE = "support_tickets"
FILE_SOURCES = ("crm", "transactions", "clickstream")
_SQL_TYPES = {"string": "STRING", "timestamp[us, tz=UTC]": "TIMESTAMP", "int32": "INT"}


def arrive(source, target, *, batches: int | str = 1, spark=None, verbose: bool = True) -> list[int]:
    """Land the next ``batches`` not-yet-landed batches of ``source`` into ``target``.

    Args:
        source: a folder written by :func:`lakehouse.datagen.generate` (it has ``_manifest.json``).
        target: the landing folder (created if missing); it may be ``source`` itself.
        batches: how many batches to land (an int >= 1), or ``"all"`` for every remaining one.
        spark: the Spark session for the ticket commits (default: ``lakehouse.get_spark()``).
        verbose: print each batch's progress as it lands (ticket commits, then files, with
            seconds) and a summary line, or say that there was nothing to land.

    Returns:
        The batch numbers landed by this call, in order; ``[]`` when ``target`` already holds
        every batch.

    Raises:
        BadArgumentError: a bad ``source``, ``target``, ``batches`` or ``verbose``.
        ManifestError: ``source`` holds no generated data.
        OutputDirError: ``target`` cannot be created or written.
        ArrivalConflictError: ``target`` holds batches of another data set (other seed or scale).

    Example:
        >>> arrive("data/landing", "data/landing", batches="all", verbose=False)  # doctest: +SKIP
        [0, 1, 2, 3, 4, 5]
    """
    src = _as_folder(source, "source")
    dst = _as_folder(target, "target")
    if batches != "all" and (isinstance(batches, bool) or not isinstance(batches, numbers.Integral) or batches < 1):
        raise BadArgumentError(f"batches must be an integer >= 1 or 'all', got {batches!r}.",
                               fix="e.g. batches=1 (the next batch) or batches='all'.")
    if not isinstance(verbose, bool):
        raise BadArgumentError(f"verbose must be True or False, got {verbose!r}.", fix="e.g. verbose=False.")
    manifest = read_manifest(src)
    if not (src / BATCHES).is_dir():
        raise ManifestError(f"{src} has a manifest but no _batches folder (the staged batches were deleted).",
                            fix=f"delete {src} and run `lakehouse data generate --out {src}` again.")
    try:
        dst.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputDirError(f"cannot create the landing folder {dst}: {exc.strerror or exc}.",
                             fix="choose another --target, or fix its permissions.") from None
    if not os.access(dst, os.W_OK | os.X_OK):
        raise OutputDirError(f"the landing folder {dst} is not writable.", fix="choose another --target.")

    with _locked(dst):
        state = _load_state(src, dst, manifest)
        done = set(state["landed"])
        pending = [b for b in range(manifest["num_batches"]) if b not in done]
        todo = pending if batches == "all" else pending[:int(batches)]
        if not todo:
            if verbose:
                print(f"Nothing to land: all {manifest['num_batches']} batches of {src} are already in {dst}.")
            return []
        sessions = [spark]

        def session():  # Spark is needed only for ticket commits the recorded feed lacks
            if sessions[0] is None:
                from .. import get_spark

                sessions[0] = get_spark()
            return sessions[0]

        def commit(folder: Path, batch: int) -> None:
            _land_tickets(session(), src, folder, manifest["batches"][batch])

        for i, b in enumerate(todo, 1):
            entry = manifest["batches"][b]
            started = time.monotonic()
            kinds = [k for k in OPERATIONS if entry["sources"][TICKETS_TABLE]["operations"].get(k)]
            if verbose:  # the ticket commits can take seconds: say what is being waited for
                print(f"Landing batch {b} ({i} of {len(todo)}): support_tickets, {len(kinds)} Delta "
                      f"commit(s) ...", end="", flush=True)
            versions = recorded_versions(src, b, commit)
            if versions is None or not copy_batch(feed_table(src), dst / TICKETS_TABLE, *versions):
                commit(dst, b)
            if verbose:
                print(f" {time.monotonic() - started:.1f} s; files ...", end="", flush=True)
            _land_files(src, dst, entry)
            state["landed"] = sorted(set(state["landed"]) | {b})
            write_json_atomic(dst / ARRIVALS_NAME, state)
            if verbose:
                print(f" done in {time.monotonic() - started:.1f} s.", flush=True)
                print(_summary(entry, dst))
    return todo


def landed_batches(target) -> list[int]:
    """The batch numbers already landed in ``target`` (``[]`` for a new folder).

    Example:
        >>> landed_batches("/nonexistent-landing")
        []
    """
    path = _as_folder(target, "target") / ARRIVALS_NAME
    try:
        return list(json.loads(path.read_text())["landed"])
    except FileNotFoundError:
        return []
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ArrivalConflictError(f"{path} cannot be read ({exc}).",
                                   fix=f"delete {path.parent} and land the batches again.") from None


def _as_folder(value, name: str) -> Path:
    if not isinstance(value, (str, os.PathLike)) or str(value) == "":
        raise BadArgumentError(f"{name} must be a folder path (str or Path), got {value!r}.",
                               fix=f"e.g. {name}='data/landing'.")
    return Path(value).expanduser().resolve()


def _locked(folder: Path):
    return file_lock(folder / ".arrivals.lock")


def _load_state(src: Path, dst: Path, manifest: dict) -> dict:
    fresh = {"format_version": 1, "source": str(src), "seed": manifest["seed"], "scale": manifest["scale"],
             "num_batches": manifest["num_batches"], "landed": []}
    path = dst / ARRIVALS_NAME
    if not path.exists():
        clash = [s for s in (*FILE_SOURCES, TICKETS_TABLE) if (dst / s).exists()]
        if clash:
            raise ArrivalConflictError(
                f"{dst} already has {', '.join(clash)} but no {ARRIVALS_NAME}: it was not filled by the "
                "arrival simulator.", fix="land into a new folder, or delete those folders first.")
        write_json_atomic(path, fresh)  # from now on a half-landed batch is re-landed, not refused
        return fresh
    landed = landed_batches(dst)
    state = json.loads(path.read_text())
    have = (state.get("seed"), state.get("scale"), state.get("num_batches"))
    want = (manifest["seed"], manifest["scale"], manifest["num_batches"])
    if have != want:
        raise ArrivalConflictError(
            f"{dst} holds batches of another data set (seed={have[0]}, scale={have[1]}, batches={have[2]}); "
            f"{src} has seed={want[0]}, scale={want[1]}, batches={want[2]}.",
            fix=f"land into a new folder, or delete {dst} first.")
    return dict(fresh, landed=landed)


def land_files(source, target, batch: int, *, sources=FILE_SOURCES) -> int:
    """Land one batch's files of some file sources only: no ticket commits, no arrival state.

    For demos that need only some sources fast (lab 05 streams transactions and clicks); a
    file already in ``target`` is left alone, so a re-run lands nothing twice.

    Args:
        source: a folder written by :func:`lakehouse.datagen.generate`.
        target: the landing folder.
        batch: the batch number.
        sources: some of ``crm``, ``transactions``, ``clickstream``.

    Returns:
        How many files were landed by this call.

    Raises:
        BadArgumentError: unknown batch or source.

    Example:
        >>> land_files("data/landing", "/tmp/lab05/landing", 0, sources=("transactions",))  # doctest: +SKIP
        1
    """
    src, dst = _as_folder(source, "source"), _as_folder(target, "target")
    manifest = read_manifest(src)
    bad = [s for s in sources if s not in FILE_SOURCES]
    if bad or isinstance(sources, str):
        raise BadArgumentError(f"sources must be some of {FILE_SOURCES}, got {sources!r}.",
                               fix='e.g. sources=("transactions", "clickstream").')
    if isinstance(batch, bool) or not isinstance(batch, numbers.Integral) or not 0 <= batch < manifest["num_batches"]:
        raise BadArgumentError(f"batch must be 0..{manifest['num_batches'] - 1}, got {batch!r}.")
    return _land_files(src, dst, manifest["batches"][batch], sources=tuple(sources), keep_existing=True)


def _land_files(src: Path, dst: Path, entry: dict, *, sources=FILE_SOURCES, keep_existing: bool = False) -> int:
    staged = batch_folder(src, entry["batch"])
    landed = 0
    for source in sources:
        (dst / source).mkdir(parents=True, exist_ok=True)
        for f in entry["sources"][source]["files"]:
            final = dst / f["path"]
            if keep_existing and final.exists():
                continue
            tmp = final.with_name(f".{final.name}.landing-{os.getpid()}")
            shutil.copyfile(staged / f["path"], tmp)
            os.replace(tmp, final)
            landed += 1
    return landed


def _land_tickets(spark, src: Path, dst: Path, entry: dict) -> None:
    """Apply one batch's staged ticket changes to the Delta table (one MERGE per change kind)."""
    from ..runtime.spark_conf import session_conf

    info = entry["sources"][TICKETS_TABLE]
    table = dst / TICKETS_TABLE
    name = "delta." + quote(str(table))
    columns = TABLE_SCHEMA.names
    if not (table / "_delta_log").is_dir():
        ddl = ", ".join(f"{f.name} {_SQL_TYPES[str(f.type)]}" for f in TABLE_SCHEMA)
        spark.sql(f"CREATE TABLE IF NOT EXISTS {name} ({ddl}) USING DELTA "
                  "TBLPROPERTIES (delta.enableChangeDataFeed = true)")
    if not any(info["operations"].get(k) for k in OPERATIONS):
        return
    staged = batch_folder(src, entry["batch"]) / info["files"][0]["path"]
    view = "datagen_ticket_changes"
    spark.read.parquet(str(staged)).createOrReplaceTempView(view)
    # The staged file never changes, so MERGE need not copy its source first (Delta's default
    # for a source that is not a Delta table): one Spark job less per commit.
    try:
        with session_conf(spark, {"spark.databricks.delta.merge.materializeSource": "none"}):
            for kind in OPERATIONS:
                if not info["operations"].get(kind):
                    continue
                head = (f"MERGE INTO {name} AS t USING (SELECT * FROM {view} WHERE change = '{kind}') AS s "
                        "ON t.ticket_id = s.ticket_id ")
                if kind == "open":
                    action = (f"WHEN NOT MATCHED THEN INSERT ({', '.join(columns)}) "
                              f"VALUES ({', '.join('s.' + c for c in columns)})")
                elif kind == "delete":
                    action = "WHEN MATCHED THEN DELETE"
                else:
                    sets = ", ".join(f"{c} = s.{c}" for c in columns if c != "ticket_id")
                    action = f"WHEN MATCHED AND s.updated_at > t.updated_at THEN UPDATE SET {sets}"
                spark.sql(head + action).collect()
    finally:
        spark.catalog.dropTempView(view)


def _summary(entry: dict, dst: Path) -> str:
    s = entry["sources"]
    window = f"{entry['window']['start'][:10]} .. {entry['window']['end'][:10]}"
    ops = s[TICKETS_TABLE]["operations"]
    return (f"Landed batch {entry['batch']} ({window}) into {dst}: crm {s['crm']['rows']} rows, "
            f"transactions {s['transactions']['rows']} rows, clickstream {s['clickstream']['rows']} rows, "
            f"support_tickets {sum(ops.values())} changes ({', '.join(f'{k} {v}' for k, v in ops.items())}).")
