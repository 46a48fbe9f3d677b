"""Showing things in a notebook: ``show(df)`` for tables, ``short_error(exc)`` for failures.

``show`` calls the notebook's ``display`` on Databricks; locally it renders the first ``n``
rows as a pandas table (works over Spark Connect, unlike ``sparkContext`` tricks).
``short_error`` turns an exception shown on purpose (a failing MERGE, a stream stopped by
new columns) into one readable line.

Example:
    >>> from lakehouse.display import show   # doctest: +SKIP
    >>> show(spark.range(3))                 # doctest: +SKIP
    >>> short_error(ValueError("bad value\\nmore detail"))
    'ValueError: bad value'
"""

from __future__ import annotations

import re

from .errors import LakehouseError
from .runtime.paths import on_databricks


def show(df, n: int = 20):
    """Display the first ``n`` rows of a Spark DataFrame as a table.

    Raises:
        LakehouseError: ``n`` is not a positive int.
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
