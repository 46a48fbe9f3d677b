"""Before/after: a small table of what two runs read and cost, and a bar chart of it.

Example:
    >>> from lakehouse.perf import compare                       # doctest: +SKIP
    >>> compare(before, after)                                    # doctest: +SKIP
                 before   after  before/after
    files_read       24       1          24.0
"""

from __future__ import annotations

from collections.abc import Mapping

from .errors import PerfArgumentError

SHOWN = ("files_total", "files_read", "bytes_read", "rows_scanned", "seconds")
CHARTED = (("files_read", "files read"), ("bytes_read", "MB read"), ("seconds", "seconds"))


def _measures(run, what: str) -> dict:
    if not isinstance(run, Mapping) or "files_read" not in run:
        raise PerfArgumentError(f"{what} is a {type(run).__name__}, expected the result of scan_metrics(...).",
                                fix="measure each run with scan_metrics(query).")
    return {k: run.get(k) for k in SHOWN}


def summary(runs: Mapping):
    """One row per run, one column per measure: the numbers of several :func:`scan_metrics` runs.

    Args:
        runs: run name -> the result of ``scan_metrics`` (a dict keeps the order).

    Returns:
        A pandas DataFrame indexed by run name, with the columns files_total, files_read,
        bytes_read, rows_scanned and seconds.

    Raises:
        PerfArgumentError: ``runs`` is empty or a value is not a measured run.

    Example:
        >>> summary({"z-order": z, "liquid": lc})                 # doctest: +SKIP
    """
    import pandas as pd

    if not isinstance(runs, Mapping) or not runs:
        raise PerfArgumentError("runs must be a non-empty dict of name -> scan_metrics(...) result.")
    return pd.DataFrame.from_dict({str(name): _measures(run, f"runs[{name!r}]") for name, run in runs.items()},
                                  orient="index")


def compare(before, after, *, labels: tuple = ("before", "after"), title: str = "", plot: bool = True):
    """Print what two runs read and cost side by side with the before/after ratio; draw it as bars.

    Args:
        before: the first run (``scan_metrics`` result).
        after: the second run.
        labels: the two column names.
        title: the chart's title.
        plot: draw the bar chart (matplotlib) under the table.

    Returns:
        The table as a pandas DataFrame with a ``before/after`` ratio column (inf when after is 0).

    Raises:
        PerfArgumentError: a run is not a measured run, or ``labels`` is not two names.

    Example:
        >>> table = compare(scan_metrics(q, label="before"), scan_metrics(q, label="after"))  # doctest: +SKIP
        >>> table.loc["files_read", "before/after"] >= 10                                   # doctest: +SKIP
        True
    """
    if not (isinstance(labels, (tuple, list)) and len(labels) == 2 and all(isinstance(x, str) for x in labels)):
        raise PerfArgumentError(f"labels must be two names, got {labels!r}.")
    table = summary({labels[0]: before, labels[1]: after}).T
    first, second = table[labels[0]].astype(float), table[labels[1]].astype(float)
    table[f"{labels[0]}/{labels[1]}"] = (first / second.where(second != 0)).round(2).fillna(float("inf"))
    table.loc[(first == 0) & (second == 0), f"{labels[0]}/{labels[1]}"] = 1.0
    print(_formatted(table).to_string())
    if plot:
        _bars(table, labels, title)
    return table


def _formatted(table):
    shown = table.astype(object).copy()
    for key in shown.index:
        for col in shown.columns:
            v = table.loc[key, col]
            if v is None or v != v:
                shown.loc[key, col] = "-"
            elif col.count("/") or key == "seconds":
                shown.loc[key, col] = f"{float(v):,.2f}"
            else:
                shown.loc[key, col] = f"{int(v):,}"
    return shown


def _bars(table, labels, title):
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(CHARTED), figsize=(3.2 * len(CHARTED), 2.6))
    for ax, (key, name) in zip(axes, CHARTED):
        values = [float(table.loc[key, lab] or 0) for lab in labels]
        if key == "bytes_read":
            values = [v / 1e6 for v in values]
        ax.bar(labels, values, color=["#b0b0b0", "#1f77b4"])
        ax.set_title(name, fontsize=10)
        for i, v in enumerate(values):
            ax.annotate(f"{v:,.3g}", (i, v), ha="center", va="bottom", fontsize=9)
    if title:
        fig.suptitle(title, fontsize=11)
    fig.tight_layout()
    plt.show()
