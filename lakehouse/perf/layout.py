"""The files of a Delta table as its log describes them: the picture behind data skipping.

Every ``add`` action in the Delta log records a data file's size and, in ``stats``, its row
count and the min/max of its first 32 columns. A reader skips a file whose [min, max] range
cannot hold the filter's value (https://docs.databricks.com/aws/en/delta/data-skipping).
:func:`file_layout` reads those stats for the table's current files; :func:`plot_file_ranges`
draws one column's ranges, file by file.

Example:
    >>> from lakehouse.perf import file_layout, plot_file_ranges      # doctest: +SKIP
    >>> files = file_layout("spark_catalog.lab09.events")              # doctest: +SKIP
    >>> plot_file_ranges(files, "customer_id", value=4242)             # doctest: +SKIP
"""

from __future__ import annotations

import json
import posixpath
from urllib.parse import unquote

from .errors import NotADeltaTableError, PerfArgumentError


def _spark(spark):
    if spark is not None:
        return spark
    from pyspark.sql import SparkSession

    active = SparkSession.getActiveSession()
    if active is None:
        raise PerfArgumentError("no active Spark session.", fix="pass spark=...")
    return active


def _log_adds(spark, log: str):
    """Every add action of the log's commits and checkpoints: (version, path, size, stats, dv rows)."""
    from pyspark.errors import AnalysisException
    from pyspark.sql import functions as F

    version = F.regexp_extract(F.col("_metadata.file_name"), r"^(\d+)\.", 1).cast("long").alias("version")
    frames = []
    for reader, pattern in ((spark.read.json, "*.json"), (spark.read.parquet, "*.checkpoint*.parquet")):
        try:
            raw = reader(f"{log}/{pattern}")
            if "add" not in raw.columns:  # over Connect a missing path fails here, not at read
                continue
        except AnalysisException:  # no checkpoint yet
            continue
        fields = raw.schema["add"].dataType.fieldNames()
        dv = (F.col("add.deletionVector.cardinality") if "deletionVector" in fields
              else F.lit(None)).cast("long").alias("deleted_rows")
        frames.append(raw.where("add IS NOT NULL").select(
            version, F.col("add.path").alias("path"), F.col("add.size").cast("long").alias("size_bytes"),
            F.col("add.stats").cast("string").alias("stats"), dv))
    if not frames:
        return []
    adds = frames[0]
    for more in frames[1:]:
        adds = adds.unionByName(more)
    return adds.collect()


def file_layout(table: str, *, spark=None):
    """One row per current data file of a Delta table, from its log: size, rows, per-column min/max.

    Args:
        table: the table name.
        spark: the session (default: the active one).

    Returns:
        A pandas DataFrame sorted by path: ``path``, ``size_bytes``, ``num_records``,
        ``deleted_rows`` (rows a deletion vector hides, 0 without one), then ``<column>_min`` and
        ``<column>_max`` for each top-level column with stats.

    Raises:
        PerfArgumentError: ``table`` is not a name.
        NotADeltaTableError: the table does not exist or is not a Delta table.

    Example:
        >>> files = file_layout("spark_catalog.lab09.events")        # doctest: +SKIP
        >>> files[["path", "num_records", "customer_id_min", "customer_id_max"]].head(3)  # doctest: +SKIP
    """
    import pandas as pd

    if not isinstance(table, str) or not table.strip():
        raise PerfArgumentError(f"table must be a table name, got {table!r}.")
    spark = _spark(spark)
    try:
        detail = spark.sql(f"DESCRIBE DETAIL {table}").first()
    except Exception as exc:
        raise NotADeltaTableError(f"cannot describe the table {table}: {str(exc).splitlines()[0]}",
                                  fix="check the name (catalog.schema.table) and that the table exists.") from None
    if (detail["format"] or "").lower() != "delta":
        raise NotADeltaTableError(f"{table} is a {detail['format']} table, not a Delta table: it has no log.",
                                  fix="convert it (CONVERT TO DELTA) or measure a Delta table.")
    current = {unquote(posixpath.basename(p)) for p in spark.table(table).inputFiles()}
    latest = {}
    for add in _log_adds(spark, detail["location"].rstrip("/") + "/_delta_log"):
        name = unquote(posixpath.basename(add["path"]))
        if name in current and (name not in latest or add["version"] >= latest[name]["version"]):
            latest[name] = add
    rows = []
    for name in sorted(latest, key=lambda n: latest[n]["path"]):
        add = latest[name]
        stats = json.loads(add["stats"]) if add["stats"] else {}
        row = {"path": unquote(add["path"]), "size_bytes": add["size_bytes"],
               "num_records": stats.get("numRecords"), "deleted_rows": add["deleted_rows"] or 0}
        for bound, key in (("min", "minValues"), ("max", "maxValues")):
            for column, value in (stats.get(key) or {}).items():
                if not isinstance(value, dict):
                    row[f"{column}_{bound}"] = value
        rows.append(row)
    frame = pd.DataFrame(rows, columns=["path", "size_bytes", "num_records", "deleted_rows"] if not rows else None)
    return _ordered(frame)


def _ordered(frame):
    fixed = ["path", "size_bytes", "num_records", "deleted_rows"]
    columns = [c[:-4] for c in frame.columns if c.endswith("_min")]
    bounds = [f"{c}_{b}" for c in columns for b in ("min", "max") if f"{c}_{b}" in frame.columns]
    return frame[fixed + bounds]


def _positions(lo, hi, value):
    """Numbers to draw: numbers as they are, dates as dates, other values (strings) by their sort order."""
    import pandas as pd

    values = pd.concat([lo, hi, pd.Series([] if value is None else [value], dtype=object)], ignore_index=True)
    numbers = pd.to_numeric(values, errors="coerce")
    ranked = False
    if numbers.notna().sum() == values.notna().sum():
        out = numbers
    else:
        dates = pd.to_datetime(values.astype(str), errors="coerce", format="mixed")
        if dates.notna().sum() == values.notna().sum():
            out = dates
        else:  # strings: their rank among all the bounds keeps the order, which is all skipping uses
            order = {v: i for i, v in enumerate(sorted(values.dropna().astype(str).unique()))}
            out, ranked = values.astype(str).map(order).astype(float), True
    n = len(lo)
    return (out.iloc[:n].reset_index(drop=True), out.iloc[n:2 * n].reset_index(drop=True),
            out.iloc[2 * n] if value is not None else None, ranked)


def plot_file_ranges(layout, column: str, *, value=None, ax=None, title: str = ""):
    """Draw each file's [min, max] of ``column`` as a horizontal bar, files sorted by their min.

    With ``value``, files whose range holds it (the ones a point lookup must read) are drawn in
    colour and counted in the title; the others are grey: data skipping leaves them unread.

    Args:
        layout: the result of :func:`file_layout`.
        column: a column with stats (``<column>_min`` / ``<column>_max`` in ``layout``).
        value: a value to look up (a number, or a date string for a date column).
        ax: a matplotlib Axes to draw on (default: a new figure).
        title: the chart's title (default: the column and the file count).

    Returns:
        The matplotlib Axes.

    Raises:
        PerfArgumentError: ``column`` has no min/max in ``layout``, or ``layout`` has no files.

    Example:
        >>> plot_file_ranges(file_layout("t"), "customer_id", value=4242)   # doctest: +SKIP
    """
    import matplotlib.pyplot as plt
    import pandas as pd

    lo, hi = f"{column}_min", f"{column}_max"
    if not hasattr(layout, "columns") or lo not in layout.columns or hi not in layout.columns:
        found = sorted(c[:-4] for c in getattr(layout, "columns", []) if str(c).endswith("_min"))
        raise PerfArgumentError(f"no min/max of {column!r} in the layout; columns with stats: {found}.",
                                fix="pass a column of the table (stats cover its first 32 columns).")
    if len(layout) == 0:
        raise PerfArgumentError("the layout has no files: the table is empty.")
    low, high, v, ranked = _positions(layout[lo], layout[hi], value)
    frame = pd.DataFrame({"lo": low, "hi": high}).sort_values("lo").reset_index(drop=True)
    hit = None
    if value is not None:
        hit = (frame["lo"] <= v) & (frame["hi"] >= v)
    if ax is None:
        _, ax = plt.subplots(figsize=(7, max(1.6, min(6.0, 0.12 * len(frame) + 1))))
    colors = ["#1f77b4" if hit is None or h else "#c8c8c8" for h in (hit if hit is not None else [None] * len(frame))]
    ax.hlines(range(len(frame)), frame["lo"], frame["hi"], colors=colors, linewidth=3)
    if value is not None:
        ax.axvline(v, color="#d62728", linewidth=1)
    ax.set_ylabel("file (sorted by min)")
    ax.set_xlabel(f"{column} (values in sort order)" if ranked else column)
    reads = f", {int(hit.sum())} of {len(frame)} files may hold {value}" if hit is not None else ""
    ax.set_title(title or f"{column}: min-max per file ({len(frame)} files{reads})", fontsize=10)
    return ax
