"""The course kernel as a Databricks notebook: the IPython extension the ``lakehouse`` kernel loads.

Before the first cell: ``spark`` (made on first use, :mod:`lakehouse.notebook.session`),
``dbutils`` (:mod:`lakehouse.dbutils`), ``display`` and ``displayHTML`` (:mod:`lakehouse.display`),
as a Databricks notebook has them
(https://docs.databricks.com/notebooks/notebooks-code.html); the magics of
:mod:`lakehouse.notebook.magics`; ``spark.sql`` from notebook code runs Databricks SQL; and errors
of the package, Spark's ``AnalysisException`` / ``ParseException`` and ``dbutils.notebook.exit``
show as one line, without a traceback (the cell still fails: papermill sees the error).

The kernel spec starts ``ipykernel_launcher --ext lakehouse.notebook`` (see
:mod:`lakehouse.notebook.kernelspec`); in any IPython, ``%load_ext lakehouse.notebook`` does the same.

Example:
    >>> from IPython.testing.globalipapp import get_ipython   # doctest: +SKIP
    >>> load(get_ipython())                                    # doctest: +SKIP
"""

from __future__ import annotations

import os

NAMES = ("spark", "dbutils", "display", "displayHTML")
"""What a notebook on the course kernel has before its first cell."""


def _make_spark():
    from ..runtime.session import get_spark

    return get_spark()


def one_line(shell, etype, value, tb, tb_offset=None):
    """Show an error as our one line (code and fix, or Spark's condition and position), no traceback."""
    from ..errors import LakehouseError
    from .errors import spark_error_line

    text = str(value) if isinstance(value, (LakehouseError, _notebook_exit())) else spark_error_line(value)
    stb = [f"\x1b[0;31m{text}\x1b[0m"]
    shell.user_ns["_last_lakehouse_error"] = value  # the full exception stays at hand for debugging
    shell._showtraceback(etype, value, stb)  # an error output (ipykernel) / printed (terminal IPython)
    return stb


def _notebook_exit():
    from ..dbutils import NotebookExit

    return NotebookExit


def one_line_errors() -> tuple:
    """The exception classes shown as one line: the package's errors, ``dbutils.notebook.exit``, and
    Spark's ``AnalysisException`` (``ParseException`` is one) once pyspark is imported."""
    import sys

    from ..errors import LakehouseError

    spark = sys.modules.get("pyspark.errors.exceptions.base")
    return (LakehouseError, _notebook_exit()) + ((spark.AnalysisException,) if spark else ())


def _short_tracebacks(shell) -> None:
    """Wrap ``shell.showtraceback`` (cell errors and errors while showing a result both pass there)."""
    import sys

    full = shell.showtraceback

    def showtraceback(exc_tuple=None, *args, **kwargs):
        etype, value, tb = exc_tuple or sys.exc_info()
        if value is not None and isinstance(value, one_line_errors()):
            one_line(shell, etype, value, tb)
            return None
        return full(exc_tuple, *args, **kwargs)

    shell.showtraceback = showtraceback


def load(shell) -> None:
    """Make ``shell`` a Databricks-like notebook (what the extension does when loaded).

    Nothing of pyspark is imported here: Spark's session classes get their routed ``sql`` when
    pyspark is first imported.
    """
    from ..dbutils import dbutils
    from ..display import display, display_html
    from .magics import DatabricksMagics, first_line_magic
    from .session import LazySpark, route_sql, when_imported

    if getattr(shell, "_lakehouse_notebook", False):
        return
    ns = shell.user_ns
    shell.push({"spark": ns.get("spark") or LazySpark(_make_spark, ns), "dbutils": dbutils,
                "display": display, "displayHTML": display_html}, interactive=False)
    if os.environ.get("LAKEHOUSE_SQL_ROUTING") != "0":  # spark.sql speaks the same Databricks SQL as %sql
        for module in ("pyspark.sql.connect.session", "pyspark.sql.session"):
            when_imported(module, lambda m: route_sql(m.SparkSession))
    ipython_run = shell.magics_manager.magics["line"].get("run")
    shell.register_magics(DatabricksMagics(shell, ipython_run=ipython_run))
    if first_line_magic not in shell.input_transformers_cleanup:
        shell.input_transformers_cleanup.append(first_line_magic)
    _short_tracebacks(shell)
    shell._lakehouse_notebook = True
