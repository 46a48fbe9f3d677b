"""Structured Streaming at hand: named queries, bounded waits, progress, a live line and a plot.

What a Databricks notebook shows under a running stream (the query's dashboard) and what a
job does to wait for a stream, as plain functions that work the same on a Spark Connect
session (the local shared engine, Databricks) and a classic one:

* :func:`active` / :func:`stop` — the session's queries whose name starts with a prefix
  (a lab's queries are named ``labNN_...``: see ``LabContext.query_name``);
* :func:`wait_until_processed` — wait, with a deadline, until a running query has processed
  every row its sources have (``processAllAvailable`` has no timeout);
* :func:`progress` — ``recentProgress`` as rows of plain numbers: input rows, input and
  processing rates, batch duration, watermark, state rows. Read **by attribute**: in pyspark
  4.2 a ``StreamingQueryProgress`` is a ``dict`` whose ``["numInputRows"]`` is None while
  ``.numInputRows`` is right (FIELD_NOTES);
* :func:`progress_line` / :func:`show_live` — one line that updates in place while a stream runs;
* :func:`plot_progress` — throughput and latency over the micro-batches (matplotlib).

Databricks: https://docs.databricks.com/aws/en/structured-streaming/stream-monitoring
(``lastProgress``, ``recentProgress``, the metrics' names).

Example:
    >>> from lakehouse import streaming
    >>> streaming.progress_line({"batchId": 3, "numInputRows": 120, "processedRowsPerSecond": 61.0,
    ...                          "durationMs": 1967, "watermark": "2024-01-31T23:10:00.000Z",
    ...                          "stateRows": 40})
    'batch 3 | 120 rows | 61 rows/s | 1967 ms | watermark 2024-01-31T23:10:00.000Z | state 40 rows'
"""

from __future__ import annotations

import time

from .errors import LakehouseError

PROGRESS_COLUMNS = ("batchId", "timestamp", "numInputRows", "inputRowsPerSecond", "processedRowsPerSecond",
                    "durationMs", "watermark", "stateRows", "rowsDroppedByWatermark")
"""The fields :func:`progress` returns per micro-batch."""


class StreamingError(LakehouseError):
    """A streaming query failed, did not finish in time, or was asked for with a bad argument."""

    code = "STREAMING_ERROR"


class StreamTimeoutError(StreamingError):
    """A bounded wait on a streaming query ran out before the query caught up."""

    code = "STREAM_TIMEOUT"


def _check_prefix(prefix) -> None:
    if not isinstance(prefix, str) or not prefix:
        raise StreamingError(f"prefix must be a non-empty str, got {prefix!r}.", fix='e.g. prefix="lab05_".')


def active(spark, prefix: str) -> list:
    """The session's active streaming queries whose name starts with ``prefix``.

    Args:
        spark: the session (over Spark Connect a session sees only its own queries).
        prefix: the start of the query names, e.g. ``"lab05_"``.

    Returns:
        The ``StreamingQuery`` objects, in the order Spark lists them.

    Raises:
        StreamingError: ``prefix`` is not a non-empty str.

    Example:
        >>> [q.name for q in active(spark, "lab05_")]     # doctest: +SKIP
        ['lab05_clicks_sessions']
    """
    _check_prefix(prefix)
    return [q for q in spark.streams.active if (q.name or "").startswith(prefix)]


def stop(spark, prefix: str) -> list[str]:
    """Stop the session's streaming queries whose name starts with ``prefix``.

    Returns:
        The names of the stopped queries.

    Raises:
        StreamingError: ``prefix`` is not a non-empty str.

    Example:
        >>> stop(spark, "lab05_")                         # doctest: +SKIP
        ['lab05_clicks_sessions']
    """
    stopped = []
    for query in active(spark, prefix):
        query.stop()
        stopped.append(query.name)
    return stopped


def _first_error_line(text: str) -> str:
    """The line that says what went wrong: inside a Python traceback (``foreachBatch``), its
    exception line; else the first line."""
    import re

    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    if not lines:
        return ""
    if "Traceback (most recent call last)" in text:
        for line in lines:
            if re.match(r"^[\w.]+(Error|Exception)\b.*:", line) and not line.startswith("Traceback"):
                return line[:500]
    return lines[0][:500]


def _raise_if_failed(query) -> None:
    exc = query.exception()
    if exc is not None:
        first = _first_error_line(str(exc)) or type(exc).__name__
        raise StreamingError(f"the streaming query {query.name or query.id} failed: {first}",
                             fix="read the query's error above; fix the input or the code, then start it again "
                                 "(the checkpoint keeps its place).")


PROGRESS_AFTER_S = 5.0  # a notebook wait longer than this shows a live line (what it waits for)


def wait_until_processed(query, *, timeout_s: float = 60.0, poll_s: float = 0.2) -> int:
    """Wait until ``query`` has processed everything its sources have now, or stopped.

    The bounded form of ``StreamingQuery.processAllAvailable()``: done when the query is not
    running, or it is idle (no trigger active, no data available) and has reported a
    progress since this call began. Raises if the query failed.

    Args:
        query: a ``StreamingQuery`` (any trigger).
        timeout_s: give up after this many seconds.
        poll_s: how often to look.

    Returns:
        The id of the last micro-batch seen (-1 when none ran).

    Raises:
        StreamingError: the query failed (its first error line), or bad arguments.
        StreamTimeoutError: not caught up after ``timeout_s`` seconds.

    Example:
        >>> q = df.writeStream.trigger(processingTime="1 second").toTable(t)   # doctest: +SKIP
        >>> wait_until_processed(q, timeout_s=30)                              # doctest: +SKIP
        4
    """
    for what, value in (("timeout_s", timeout_s), ("poll_s", poll_s)):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
            raise StreamingError(f"{what} must be a positive number of seconds, got {value!r}.")
    started = time.time() * 1000
    began = time.monotonic()
    deadline = began + timeout_s
    line = None  # in a notebook, a wait over PROGRESS_AFTER_S shows what it waits for (issue 32)
    while True:
        if _caught_up(query, started):
            last = query.lastProgress
            if line is not None:
                line.update(f"[{query.name or 'query'}] caught up in {time.monotonic() - began:.0f} s"
                            + (f": {progress_line(_row(last))}" if last is not None else ""))
            return last.batchId if last is not None else -1
        if line is None and time.monotonic() - began > PROGRESS_AFTER_S and _LiveLine.in_notebook():
            line = _LiveLine()
        if line is not None:
            last = query.lastProgress
            line.update(f"[{query.name or 'query'}] catching up ({time.monotonic() - began:.0f} s): "
                        + (progress_line(_row(last)) if last is not None else query.status["message"]))
        if time.monotonic() > deadline:
            raise StreamTimeoutError(
                f"the streaming query {query.name or query.id} had not caught up after {timeout_s:g} s "
                f"(status: {query.status['message']}).",
                fix="wait longer (timeout_s=...), or look at the query's progress for a slow batch.")
        time.sleep(poll_s)


def _caught_up(query, since_ms: float) -> bool:
    """True when ``query`` stopped (raising if it failed), or is idle with a progress newer than ``since_ms``."""
    last = query.lastProgress
    if not query.isActive:
        _raise_if_failed(query)
        return True
    status = query.status
    fresh = last is not None and _epoch_ms(last.timestamp) >= since_ms
    return fresh and not status["isTriggerActive"] and not status["isDataAvailable"]


def _epoch_ms(timestamp: str) -> float:
    from datetime import datetime

    return datetime.fromisoformat(timestamp.replace("Z", "+00:00")).timestamp() * 1000


def _row(p) -> dict:
    """One progress object as plain numbers, read by attribute (see the module doc)."""
    state = list(p.stateOperators or [])
    event_time = p.eventTime or {}
    duration = p.durationMs or {}
    return {
        "batchId": p.batchId,
        "timestamp": p.timestamp,
        "numInputRows": int(p.numInputRows or 0),
        "inputRowsPerSecond": float(p.inputRowsPerSecond or 0.0),
        "processedRowsPerSecond": float(p.processedRowsPerSecond or 0.0),
        "durationMs": int(duration.get("triggerExecution", 0) or 0),
        "watermark": event_time.get("watermark"),
        "stateRows": sum(int(s.numRowsTotal or 0) for s in state),
        "rowsDroppedByWatermark": sum(int(s.numRowsDroppedByWatermark or 0) for s in state),
    }


def progress(query) -> list[dict]:
    """The query's recent micro-batches (``recentProgress``) as dicts of :data:`PROGRESS_COLUMNS`.

    ``durationMs`` is the whole trigger (``durationMs.triggerExecution``); ``stateRows`` and
    ``rowsDroppedByWatermark`` sum the stateful operators; ``watermark`` is the event-time
    watermark the batch ran with (None without ``withWatermark``). Spark keeps the last 100
    (``spark.sql.streaming.numRecentProgressUpdates``).

    Returns:
        One dict per micro-batch, oldest first (``[]`` before the first batch).

    Example:
        >>> import pandas as pd                           # doctest: +SKIP
        >>> pd.DataFrame(progress(query))                 # doctest: +SKIP
    """
    return [_row(p) for p in query.recentProgress]


def progress_line(row: dict) -> str:
    """One micro-batch's progress (a :func:`progress` row) as one short line."""
    parts = [f"batch {row['batchId']}", f"{row['numInputRows']} rows",
             f"{row.get('processedRowsPerSecond', 0):.0f} rows/s", f"{row['durationMs']} ms"]
    if row.get("watermark"):
        parts.append(f"watermark {row['watermark']}")
    if row.get("stateRows"):
        parts.append(f"state {row['stateRows']} rows")
    return " | ".join(parts)


def show_live(query, *, until=None, timeout_s: float = 60.0, poll_s: float = 0.5) -> list[dict]:
    """Show a one-line progress of ``query`` that updates in place until a condition holds.

    In a notebook the line is one output that is replaced (IPython ``display_id``); in a
    terminal it is rewritten with a carriage return.

    Args:
        query: a running ``StreamingQuery``.
        until: ``until(query) -> bool``; default: the query is caught up (see
            :func:`wait_until_processed`) or stopped.
        timeout_s: stop showing after this many seconds (the query keeps running).
        poll_s: refresh period.

    Returns:
        :func:`progress` at the end.

    Raises:
        StreamingError: the query failed, or ``until`` is not callable.
        StreamTimeoutError: ``until`` did not hold within ``timeout_s``.

    Example:
        >>> show_live(query, timeout_s=30)                # doctest: +SKIP
        batch 4 | 1702 rows | 850 rows/s | 2003 ms | watermark 2024-03-01T23:29:40.000Z
    """
    if until is not None and not callable(until):
        raise StreamingError(f"until must be a function of the query, got {until!r}.",
                             fix="e.g. until=lambda q: q.lastProgress and q.lastProgress.batchId >= 3.")
    out = _LiveLine()
    started = time.time() * 1000
    deadline = time.monotonic() + timeout_s
    try:
        while True:
            last = query.lastProgress
            out.update(f"[{query.name or 'query'}] " + (progress_line(_row(last)) if last is not None
                                                         else query.status["message"]))
            if _caught_up(query, started) if until is None else (until(query) or _caught_up(query, float("inf"))):
                break
            if time.monotonic() > deadline:
                raise StreamTimeoutError(f"{query.name or query.id}: the condition did not hold after {timeout_s:g} s.",
                                         fix="wait longer (timeout_s=...), or check the condition.")
            time.sleep(poll_s)
        last = query.lastProgress
        if last is not None:
            out.update(f"[{query.name or 'query'}] " + progress_line(_row(last)))
    finally:
        out.close()
    return progress(query)


class _LiveLine:
    """A line of output replaced in place: an IPython display handle, or ``\\r`` on a terminal."""

    @staticmethod
    def in_notebook() -> bool:
        """Running in a Jupyter kernel (not a terminal IPython, not plain Python)."""
        try:
            from IPython import get_ipython
        except ImportError:
            return False
        shell = get_ipython()
        return shell is not None and type(shell).__name__ != "TerminalInteractiveShell"

    def __init__(self):
        self._handle = None
        if self.in_notebook():
            from IPython.display import display

            self._handle = display("", display_id=True)

    def update(self, text: str) -> None:
        if self._handle is not None:
            from IPython.display import Pretty

            self._handle.update(Pretty(text))
        else:
            print("\r" + text, end="", flush=True)

    def close(self) -> None:
        if self._handle is None:
            print(flush=True)


def plot_progress(rows: list[dict], *, title: str = "micro-batches", ax=None):
    """Plot throughput (rows/s, bars) and batch duration (ms, line) over the micro-batches.

    Args:
        rows: :func:`progress` output (one query) — or any list of dicts with ``batchId``,
            ``processedRowsPerSecond`` and ``durationMs``.
        title: the plot title.
        ax: a matplotlib ``Axes`` to draw on (default: a new figure).

    Returns:
        The ``Axes`` of the throughput (the latency has its own y axis on the right).

    Raises:
        StreamingError: no rows (the query has not finished a micro-batch yet).

    Example:
        >>> plot_progress(progress(query), title="transactions")   # doctest: +SKIP
    """
    import matplotlib.pyplot as plt

    if not rows:
        raise StreamingError("there is no progress to plot yet: the query has not finished a micro-batch.",
                             fix="wait for a batch (wait_until_processed), then plot.")
    if ax is None:
        _, ax = plt.subplots(figsize=(9, 3))
    ids = [r["batchId"] for r in rows]
    ax.bar(ids, [r["processedRowsPerSecond"] for r in rows], color="tab:blue", alpha=0.7, label="rows/s")
    ax.set_xlabel("micro-batch")
    ax.set_ylabel("processed rows/s", color="tab:blue")
    right = ax.twinx()
    right.plot(ids, [r["durationMs"] for r in rows], color="tab:red", marker="o", label="batch duration")
    right.set_ylabel("batch duration (ms)", color="tab:red")
    right.set_ylim(bottom=0)
    ax.set_title(title)
    return ax
