"""``get_spark()``: one call gives a ready Spark session with Delta, wherever you run.

Where it runs decides what you get:

1. On Databricks (``DATABRICKS_RUNTIME_VERSION`` set): the existing session, untouched.
2. With ``SPARK_REMOTE`` set: a Spark Connect session to that endpoint.
3. Locally, ``LAKEHOUSE_SPARK_MODE=connect`` (default): a Spark Connect session to the shared
   local engine of this ``LAKEHOUSE_HOME``, started on first use (see :mod:`lakehouse.runtime.engine`).
4. Locally, ``LAKEHOUSE_SPARK_MODE=classic``: an in-process Spark with the same settings.

Example:
    >>> from lakehouse import get_spark              # doctest: +SKIP
    >>> spark = get_spark()                          # doctest: +SKIP
    >>> spark.range(3).count()                       # doctest: +SKIP
    3
"""

from __future__ import annotations

import importlib
import os
import sys

from ..errors import ConfigError, EngineError, LakehouseError
from .paths import lakehouse_home, on_databricks

MODES = ("connect", "classic")


def spark_mode() -> str:
    """The local engine mode: ``LAKEHOUSE_SPARK_MODE`` (``connect`` or ``classic``).

    Raises:
        ConfigError: any other value.
    """
    mode = os.environ.get("LAKEHOUSE_SPARK_MODE", "connect").strip().lower()
    if mode not in MODES:
        raise ConfigError(
            f"LAKEHOUSE_SPARK_MODE={mode!r} is not one of {', '.join(MODES)}.",
            fix="unset it (shared engine) or set LAKEHOUSE_SPARK_MODE=classic.",
        )
    return mode


def get_spark(app_name: str = "lakehouse"):
    """Return a ready ``SparkSession`` with Delta Lake configured.

    Args:
        app_name: the application name (classic mode only; a shared engine has one name).

    Returns:
        A ``pyspark.sql.SparkSession`` (a Spark Connect session unless classic mode).

    Raises:
        ConfigError: a bad ``LAKEHOUSE_SPARK_MODE`` or conflicting settings.
        SetupError: Java, jars or the pyspark/delta-spark pair are not ready (run ``make doctor``).
        EngineError: the local engine failed to start; the message has the log tail.

    Example:
        >>> spark = get_spark()                                       # doctest: +SKIP
        >>> spark.sql("SELECT 1 AS one").first().one                  # doctest: +SKIP
        1
    """
    if not isinstance(app_name, str) or not app_name:
        raise ConfigError(f"app_name must be a non-empty str, got {type(app_name).__name__}.")
    from pyspark.sql import SparkSession

    if on_databricks():
        return SparkSession.builder.getOrCreate()
    os.environ["PYSPARK_PYTHON"] = sys.executable
    remote = os.environ.get("SPARK_REMOTE")
    if remote:
        from .shipping import ship_package

        session = _connect(remote)
        ship_package(session)
        catalogs = None
    elif spark_mode() == "connect":
        from .delta_connect import guard_delta_table
        from .engine import start_engine

        status = start_engine()
        session = _connect(status.url, local=True)
        guard_delta_table(status.delta_connect)
        catalogs = status.delta_connect
    else:
        session = _classic(app_name)
        catalogs = None
    if catalogs is not False:
        _register_catalogs(session, known=catalogs)
    _register_data_sources(session)
    _quiet_client_logs()
    return session


def _quiet_client_logs() -> None:
    """pyspark logs every failed SQL statement with the server's stack trace; the exception
    itself already carries the message, so a notebook showing an error on purpose stays readable."""
    import logging

    from pyspark.logger import PySparkLogger

    for name in ("SQLQueryContextLogger", "DataFrameQueryContextLogger"):
        PySparkLogger.getLogger(name).setLevel(logging.CRITICAL)


def _connect(url: str, *, local: bool = False):
    from pyspark.sql import SparkSession

    try:
        session = SparkSession.builder.remote(url).getOrCreate()
        if local:
            # The default policy retries for ~10 minutes (made for remote clusters); a local
            # engine that does not answer within ~10 s is down: fail fast with our message.
            from pyspark.sql.connect.client.retries import DefaultPolicy

            session.client.set_retry_policies([DefaultPolicy(max_retries=6, initial_backoff=100,
                                                             max_backoff=2000)])
            # Spark Connect isolates each session's artifacts, and a streaming query runs in a
            # clone with its own artifact id; Spark keys its Python worker pools by that id, so
            # every query on a Python data source (cloudFiles) started fresh Python daemons and
            # left them running (~130 MB each, never reclaimed; seen here with pyspark 4.2.0).
            # The course adds no artifacts, so one shared pool is safe: a warm cloudFiles query
            # then costs ~0.6 s instead of ~1.6 s.
            session.conf.set("spark.sql.artifact.isolation.enabled", "false")
        return session
    except Exception as exc:  # grpc / pyspark errors vary; name the endpoint and the fix
        raise EngineError(
            f"Could not connect to the Spark Connect endpoint {url.split(';')[0]}: {exc}",
            fix="run `lakehouse engine restart`, or unset SPARK_REMOTE to use the local engine.",
        ) from exc


def _classic(app_name: str):
    from pyspark.sql import SparkSession

    from .catalogs import catalog_conf
    from .delta_connect import plugin_jars
    from .engine import engine_status
    from .jars import delta_jars
    from .java import find_java
    from .spark_conf import local_spark_conf, master, spark_home
    from .versions import check_versions

    home = lakehouse_home()
    active = SparkSession.getActiveSession()
    if active is not None:
        return active
    if engine_status(home).running:
        raise ConfigError(
            f"The shared engine for {home} is running and holds its metastore; an in-process "
            "Spark cannot open it at the same time.",
            fix="stop it with `lakehouse engine stop`, or unset LAKEHOUSE_SPARK_MODE to use it.",
        )
    check_versions()
    find_java()
    plugin = plugin_jars()  # our catalog plugin (catalog.schema.table) lives in the Delta Connect jar
    conf = local_spark_conf(home, delta_jars() + plugin)
    if plugin:
        conf.update(catalog_conf(extensions=conf["spark.sql.extensions"]))
    # pyspark marks a process that made a Connect session (and its children) as Connect-only.
    os.environ.pop("SPARK_CONNECT_MODE_ENABLED", None)
    (home / "engine").mkdir(parents=True, exist_ok=True)
    os.environ["SPARK_HOME"] = str(spark_home(home))  # Python workers without pyspark.zip
    builder = SparkSession.builder.master(master()).appName(app_name)
    for key, value in conf.items():
        builder = builder.config(key, value)
    try:
        spark = builder.enableHiveSupport().getOrCreate()
    except LakehouseError:
        raise
    except Exception as exc:
        raise EngineError(f"The in-process Spark failed to start: {str(exc).splitlines()[0]}",
                          fix="run `lakehouse doctor` and fix what it lists.") from exc
    spark.sparkContext.setLogLevel("WARN")
    return spark


def _register_catalogs(spark, *, known: bool | None) -> None:
    """Register every recorded catalog in this session (``USE CATALOG``, ``current_catalog()`` and
    ``DeltaTable.forName`` need the session to know them; see :mod:`lakehouse.runtime.catalogs`).
    ``known=None``: ask the engine whether it runs the catalog plugin (remote or classic)."""
    from .catalogs import catalogs_enabled, register_catalogs
    from .clone_guard import guard_delta_clone

    if known or catalogs_enabled(spark):
        register_catalogs(spark)
        for module in ("delta.connect.tables", "delta.tables"):
            guard_delta_clone(importlib.import_module(module).DeltaTable)


def _register_data_sources(spark) -> None:
    """Register the local stand-ins for Databricks-only sources: Auto Loader's ``cloudFiles``
    (:mod:`lakehouse.autoloader`). Cheap and idempotent; never reached on Databricks."""
    from ..autoloader import register_cloud_files

    register_cloud_files(spark)
