"""Showing things in a notebook: ``display(df)`` / ``show(df)`` for tables, ``short_error(exc)`` for failures.

``display`` is the notebook's ``display`` on the course kernel (:mod:`lakehouse.notebook`): a
Spark DataFrame as a table with its row count, noting when it is truncated (Databricks shows
up to 10,000 rows, https://docs.databricks.com/aws/en/notebooks/notebook-limitations; locally
1,000 by default so that notebooks stay small), optionally as a chart; anything else as
IPython shows it. ``show`` calls the notebook's ``display`` on Databricks and renders the first
``n`` rows locally (works over Spark Connect, unlike ``sparkContext`` tricks).
``short_error`` turns an exception shown on purpose (a failing MERGE, a stream stopped by
new columns) into one readable line.

Example:
    >>> from lakehouse.display import show   # doctest: +SKIP
    >>> show(spark.range(3))                 # doctest: +SKIP
    >>> short_error(ValueError("bad value\\nmore detail"))
    'ValueError: bad value'
    >>> caption(3, 1000), caption(1001, 1000)
    ('3 rows', 'showing the first 1,000 rows (truncated)')
"""

from __future__ import annotations

import re

from .errors import LakehouseError
from .runtime.paths import on_databricks

DISPLAY_LIMIT = 1000
"""Rows ``display`` shows locally (Databricks: up to 10,000 rows or 2 MB)."""
CHARTS = ("bar", "line", "area", "scatter", "pie")


def show(df, n: int = 20):
    """Display the first ``n`` rows of a Spark DataFrame as a table.

    Args:
        df: a Spark DataFrame.
        n: the most rows shown.

    Raises:
        LakehouseError: ``n`` is not a positive int.

    Example:
        >>> show(spark.range(3))                 # doctest: +SKIP
    """
    if not isinstance(n, int) or n <= 0:
        raise LakehouseError(f"n must be a positive int, got {n!r}.")
    if on_databricks():  # pragma: no cover - Databricks only
        import IPython

        return IPython.get_ipython().user_ns["display"](df.limit(n))
    pdf = df.limit(n).toPandas()
    try:
        from IPython.display import display as ipy_display
    except ImportError:  # plain Python: print
        print(pdf.to_string(index=False))
        return None
    ipy_display(pdf)
    return None


def caption(rows: int, limit: int) -> str:
    """The line under a displayed table: its row count, or that it is truncated (``rows`` > ``limit``)."""
    if rows > limit:
        return f"showing the first {limit:,} rows (truncated)"
    return f"{rows:,} row" + ("" if rows == 1 else "s")


def _is_spark_dataframe(obj) -> bool:
    return type(obj).__name__ == "DataFrame" and type(obj).__module__.startswith("pyspark.sql")


def display(obj=None, *args, limit: int = DISPLAY_LIMIT, chart: str | None = None, x: str | None = None,
            y=None, **kwargs) -> None:
    """Databricks' ``display``: a Spark DataFrame as a table with its row count (or a chart); anything
    else as IPython's ``display`` shows it.

    Args:
        obj: a Spark DataFrame (batch), a pandas DataFrame, a figure, HTML, ...
        limit: the most rows fetched and shown (the caption says when the result has more).
        chart: ``"bar"``, ``"line"``, ``"area"``, ``"scatter"`` or ``"pie"`` to plot the rows
            (matplotlib) instead of the table; ``x`` / ``y`` name the columns.

    Raises:
        lakehouse.notebook.errors.DisplayError: a streaming DataFrame (Databricks starts a live
            query for it; locally write the stream to a table and display the table), or an
            unknown ``chart``.

    Example:
        >>> display(spark.range(3))                      # doctest: +SKIP
        >>> display(spark.range(3), chart="bar", y="id") # doctest: +SKIP
    """
    from IPython.display import HTML
    from IPython.display import display as ipy_display

    if not _is_spark_dataframe(obj):
        ipy_display(obj, *args, **kwargs)
        return
    from .notebook.errors import DisplayError

    if obj.isStreaming:
        raise DisplayError("display() of a streaming DataFrame starts a live query on Databricks; the local "
                           "kernel does not run one for display.",
                           fix="write the stream to a table (writeStream.toTable(...) with a checkpoint, or "
                               "trigger(availableNow=True)), then display(spark.table(...)); "
                               "lakehouse.streaming.show_live(query) shows its progress.")
    if not isinstance(limit, int) or isinstance(limit, bool) or limit <= 0:
        raise DisplayError(f"limit must be a positive int, got {limit!r}.")
    pdf = obj.limit(limit + 1).toPandas()
    rows = len(pdf)
    pdf = pdf.head(limit)
    if chart is not None:
        _chart(pdf, chart, x, y)
        return
    html = pdf.to_html(index=False, max_cols=None, border=0, na_rep="null", classes="lakehouse-table")
    ipy_display(HTML(f"{html}<p style='color:#666;font-size:90%'>{caption(rows, limit)}</p>"))


def _chart(pdf, chart: str, x, y) -> None:
    from .notebook.errors import DisplayError

    if chart not in CHARTS:
        raise DisplayError(f"chart {chart!r} is not one of {', '.join(CHARTS)}.", fix='e.g. chart="bar", x=..., y=....')
    import matplotlib.pyplot as plt

    for name in [x, *(y if isinstance(y, (list, tuple)) else [y])]:
        if name is not None and name not in pdf.columns:
            raise DisplayError(f"chart column {name!r} is not in the result ({', '.join(pdf.columns)}).")
    if chart == "pie":
        pdf.set_index(x).plot.pie(y=y, legend=False)
    else:
        getattr(pdf.plot, chart)(x=x, y=y)
    plt.show()


def display_html(html: str) -> None:
    """Databricks' ``displayHTML``: render an HTML string in the cell's output.

    Example:
        >>> display_html("<b>done</b>")                  # doctest: +SKIP
    """
    from IPython.display import HTML
    from IPython.display import display as ipy_display

    ipy_display(HTML(html))


def _codes() -> set[str]:
    """The error codes of ``LakehouseError`` and all its subclasses."""
    from . import autoloader, cdc  # noqa: F401  (their error classes register as subclasses)

    found, todo = set(), [LakehouseError]
    while todo:
        cls = todo.pop()
        found.add(cls.code)
        todo.extend(cls.__subclasses__())
    return found


def drop_links(text: str) -> str:
    """``text`` without its web links, and without the words a dropped link leaves dangling.

    Example:
        >>> drop_links("did you mean x? see the options in https://docs.example/o (names are case-insensitive).")
        'did you mean x? see the options (names are case-insensitive).'
        >>> drop_links("use one of a, b (https://docs.example/s).")
        'use one of a, b.'
        >>> drop_links("use a and the options of https://docs.example/o.")
        'use a and the options.'
    """
    if "://" not in text:
        return text
    text = re.sub(r"\s*\(\s*(?:see\s+)?https?://[^\s)]+\s*\)", "", text)  # "(URL)", "(see URL)"
    text = re.sub(r"\s*(?:see\s+)?https?://[^\s()]*[^\s().,;]", "", text)  # a bare URL
    text = re.sub(r"\s+(?:in|of|at|see|from|on|to)(?=\s*(?:[.;,()]|$))", "", text)  # a word left dangling
    return re.sub(r"\s+([.,;])", r"\1", text).strip()


def short_error(exc: BaseException, *, width: int = 200, replace: dict[str, str] | None = None) -> str:
    """One line for an exception shown on purpose.

    A ``lakehouse`` error raised inside Spark (for example ``[UNKNOWN_FIELD] ...`` from the
    ``cloudFiles`` source, buried in a ``StreamingQueryException``) gives its own line and
    fix (without doc links); anything else gives Spark's error condition (or the exception
    type) and the first line of its message.

    Args:
        exc: the exception.
        width: the most characters returned.
        replace: substrings to replace first, e.g. ``{"/long/lab/folder/": ""}``.

    Example:
        >>> err = RuntimeError("Query terminated\\n[UNKNOWN_FIELD] New columns: [b]\\n"
        ...                    "  Fix: restart the stream (https://docs.databricks.com/x).")
        >>> short_error(err)
        '[UNKNOWN_FIELD] New columns: [b] Fix: restart the stream.'
        >>> short_error(KeyError("x"), width=8)
        'KeyError'
    """
    text = str(exc)
    codes = "|".join(sorted(re.escape(c) for c in _codes()))
    found = re.findall(rf"(\[(?:{codes})\][^\n]*)(?:\n\s*Fix: ([^\n]*))?", text)
    if found:
        line, fix = found[-1]
        fix = drop_links(fix)  # doc links: too long for one line
        line += f" Fix: {fix}" if fix else ""
    else:
        condition = getattr(exc, "getCondition", lambda: None)() or type(exc).__name__
        line = f"{condition}: {(text.strip().splitlines() or [''])[0]}"
    for old, new in (replace or {}).items():
        line = line.replace(old, new)
    return line[:width]
