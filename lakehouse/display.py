"""``show(df)``: a table in the notebook, locally and on Databricks.

On Databricks it calls the notebook's ``display``; locally it renders the first ``n`` rows
as a pandas table (works over Spark Connect, unlike ``sparkContext`` tricks).

Example:
    >>> from lakehouse.display import show   # doctest: +SKIP
    >>> show(spark.range(3))                 # doctest: +SKIP
"""

from __future__ import annotations

from .errors import LakehouseError
from .paths import on_databricks


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
