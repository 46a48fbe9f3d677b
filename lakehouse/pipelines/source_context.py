"""What a pipeline source file sees, as on Databricks: its imports, ``spark``, ``dbutils``, its session.

While pipeline files load and their queries run:

* ``from pyspark import pipelines as dp`` (how the current docs import the API,
  https://docs.databricks.com/aws/en/ldp/developer/python-ref) and ``import dlt`` (legacy) give
  the local API with expectations (:mod:`lakehouse.dp`, :mod:`lakehouse.pipelines.dlt`); the
  modules are put back afterwards;
* ``spark`` and ``dbutils`` are globals of every file (:mod:`lakehouse.dbutils`);
* the pipeline's root folder (the spec's folder) is on ``sys.path``, so a file imports the
  Python modules kept there ("Your pipeline root folder is automatically appended to the
  ``sys.path``", https://docs.databricks.com/aws/en/ldp/import-workspace-files); what it
  imported from there is forgotten afterwards, so an edited module is read again next time;
* every way a file gets a session — ``spark``, ``SparkSession.getActiveSession()``,
  ``SparkSession.active()``, ``SparkSession.builder.getOrCreate()``, ``lakehouse.get_spark()``
  (which ends in ``getOrCreate``), or a helper module doing so — gives the pipeline's session,
  so dataset names resolve and reads are seen whichever way the file got it (on Databricks
  they are all the pipeline's session);
* each flow's query runs with :data:`~.file_sources.CURRENT_FLOW` set (Auto Loader's managed
  schema location), and while the graph is discovered a query whose DataFrame is streaming
  makes its flow streaming even when no read went through the pipeline's session.

Example:
    >>> import sys
    >>> with databricks_modules():
    ...     from pyspark import pipelines as dp
    ...     import dlt
    >>> hasattr(dp, "expect_or_drop"), dlt.view is dp.temporary_view
    (True, True)
    >>> sys.modules.get("pyspark.pipelines") is dp, sys.modules.get("dlt") is dlt   # put back
    (False, False)
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import sys

from .file_sources import CURRENT_FLOW

_SESSION: contextvars.ContextVar = contextvars.ContextVar("lakehouse_pipeline_file_session", default=None)
_INSTALLED: list = []


@contextlib.contextmanager
def databricks_modules():
    """``pyspark.pipelines`` and ``dlt`` resolve to the local API inside the block (then restored).

    A real ``dlt`` package, if installed, wins (as before: ``import dlt`` is only mapped when
    there is none).
    """
    import pyspark

    from . import dlt as legacy

    dp = _dp_module()
    saved = {name: sys.modules.get(name) for name in ("pyspark.pipelines", "dlt")}
    had_attr, old_attr = hasattr(pyspark, "pipelines"), getattr(pyspark, "pipelines", None)
    sys.modules["pyspark.pipelines"] = dp
    pyspark.pipelines = dp
    if saved["dlt"] is None and not _real_dlt():
        sys.modules["dlt"] = legacy
    try:
        yield
    finally:
        for name, module in saved.items():
            if module is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = module
        if had_attr:
            pyspark.pipelines = old_attr
        else:
            delattr(pyspark, "pipelines")


def _dp_module():
    """A module with the ``dp`` surface (what ``lakehouse.dp`` exports locally)."""
    import types

    from . import api

    module = types.ModuleType("pyspark.pipelines", "The local pipelines API (lakehouse.dp) while a pipeline loads.")
    module.__all__ = list(api.DP_NAMES)
    module.__dict__.update({name: getattr(api, name) for name in api.DP_NAMES})
    return module


def _real_dlt() -> bool:
    import importlib.util

    return importlib.util.find_spec("dlt") is not None


@contextlib.contextmanager
def root_on_path(root):
    """``root`` (a folder, or None for nothing) is appended to ``sys.path`` inside the block.

    Modules first imported inside the block through ``root`` (their top-level name is a module or
    package in ``root``) are dropped from ``sys.modules`` afterwards.

    Example:
        >>> import pathlib, sys, tempfile
        >>> root = pathlib.Path(tempfile.mkdtemp())
        >>> _ = (root / "my_rules_mod.py").write_text("RULES = {'has_id': 'id IS NOT NULL'}")
        >>> with root_on_path(root):
        ...     import my_rules_mod
        >>> my_rules_mod.RULES, "my_rules_mod" in sys.modules, str(root) in sys.path
        ({'has_id': 'id IS NOT NULL'}, False, False)
    """
    if root is None:
        yield
        return
    from pathlib import Path

    folder = str(Path(root).resolve())
    added = folder not in sys.path
    before = set(sys.modules)
    if added:
        sys.path.append(folder)
    try:
        yield
    finally:
        if added:
            sys.path.remove(folder)
        for name in set(sys.modules) - before:
            top = name.partition(".")[0]  # imported through root (not a package that lives there, e.g. ours)
            if (Path(folder) / f"{top}.py").is_file() or (Path(folder) / top / "__init__.py").is_file():
                del sys.modules[name]


def file_globals(spark) -> dict:
    """The globals a pipeline file starts with: ``spark`` and ``dbutils``."""
    from ..dbutils import dbutils

    return {"spark": spark, "dbutils": dbutils}


@contextlib.contextmanager
def pipeline_session(session):
    """Inside the block, the session getters of ``SparkSession`` return ``session``."""
    _install()
    token = _SESSION.set(session)
    try:
        yield session
    finally:
        _SESSION.reset(token)


def _install() -> None:
    """Wrap the session getters once (they behave as before outside :func:`pipeline_session`)."""
    if _INSTALLED:
        return
    from pyspark.sql import SparkSession as Classic
    from pyspark.sql.connect.session import SparkSession as Connect

    for cls in {Classic, Connect}:
        for name in ("getActiveSession", "active"):
            if name in vars(cls):
                original = vars(cls)[name].__func__
                setattr(cls, name, classmethod(_prefer_pipeline(original)))
        builder = cls.Builder
        builder.getOrCreate = _prefer_pipeline(builder.getOrCreate)
    _INSTALLED.append(True)


def _prefer_pipeline(original):
    @functools.wraps(original)
    def getter(*args, **kwargs):
        session = _SESSION.get()
        return session if session is not None else original(*args, **kwargs)
    return getter


def in_flow(flow, query, default_session):
    """``query`` wrapped to run as the flow ``flow`` of the pipeline (see the module docstring)."""
    from .api import PIPELINE_SESSION

    @functools.wraps(query)
    def run():
        session = PIPELINE_SESSION.get() or default_session
        token = CURRENT_FLOW.set((flow.target, flow.name)) if CURRENT_FLOW.get() is None else None
        try:
            with pipeline_session(session):
                df = query()
        finally:
            if token is not None:
                CURRENT_FLOW.reset(token)
        reads = getattr(session, "reads", None)
        if getattr(session, "discovering", False) and reads is not None and not reads.streaming:
            with contextlib.suppress(Exception):  # a placeholder's schema may not fit the query: undecided
                reads.streaming = bool(df.isStreaming)
        return df

    return run
