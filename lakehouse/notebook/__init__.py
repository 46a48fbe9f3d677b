"""Databricks notebooks as written, on the course kernel: ``spark``/``dbutils``/``display`` predefined,
``%sql`` cells, ``%run``, the Databricks source format, ``lakehouse notebooks import|run``.

* :mod:`.kernel` — the IPython extension the ``lakehouse`` kernel loads (``--ext lakehouse.notebook``);
* :mod:`.magics` — ``%sql`` / ``%%sql``, first-line cell magics (``%sql``, ``%md``...), ``%run``;
* :mod:`.sqlcell` — running a SQL cell through :func:`lakehouse.sql`, ``_sqldf``;
* :mod:`.run` — ``%run ./path`` relative to the notebook;
* :mod:`.source` — the source format (``# Databricks notebook source``), both directions;
* :mod:`.execute` — running a notebook of either format with papermill, parameters as widgets;
* :mod:`.kernelspec` — installing the kernel spec (``make setup``).

Nothing is imported until used.

Example:
    >>> import lakehouse.notebook as nb
    >>> callable(nb.load_ipython_extension)
    True
"""


def load_ipython_extension(ipython) -> None:
    """IPython's entry point: ``--ext lakehouse.notebook`` / ``%load_ext lakehouse.notebook``."""
    from .kernel import load

    load(ipython)
