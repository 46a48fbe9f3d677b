"""The Spark settings every local engine gets, classic or shared (Spark Connect server).

One place decides them, so the shared engine and the in-process fallback behave alike:
Delta's extension and catalog, the cached Delta jars, a Hive metastore (Derby) and the
warehouse under ``LAKEHOUSE_HOME``, small shuffles for a laptop, UTC, quiet logs.

Environment knobs: ``LAKEHOUSE_DRIVER_MEMORY`` (default ``3g``), ``LAKEHOUSE_CORES``
(default: all cores), ``LAKEHOUSE_SPARK_UI=1`` to turn the Spark UI on,
``LAKEHOUSE_SPARK_CONF`` for any other setting (``key=value`` pairs separated by ``;``, applied
last, like a Databricks cluster's Spark config).

Example:
    >>> from pathlib import Path
    >>> from lakehouse.runtime.spark_conf import local_spark_conf
    >>> conf = local_spark_conf(Path("/tmp/h"), jars=[])
    >>> conf["spark.sql.catalog.spark_catalog"]
    'org.apache.spark.sql.delta.catalog.DeltaCatalog'
"""

from __future__ import annotations

import os
import sys
from contextlib import contextmanager
from pathlib import Path

from ..errors import ConfigError

_LOG4J = Path(__file__).resolve().parent / "conf" / "log4j2.properties"


def driver_memory() -> str:
    """``LAKEHOUSE_DRIVER_MEMORY`` or ``3g``; checked to look like a JVM size."""
    value = os.environ.get("LAKEHOUSE_DRIVER_MEMORY", "3g").strip()
    if not value[:-1].isdigit() or value[-1].lower() not in "gm":
        raise ConfigError(
            f"LAKEHOUSE_DRIVER_MEMORY={value!r} is not a memory size.",
            fix="use a number followed by g or m, e.g. LAKEHOUSE_DRIVER_MEMORY=4g.",
        )
    return value


def master() -> str:
    """``local[N]`` with ``N`` = ``LAKEHOUSE_CORES`` or every core."""
    cores = os.environ.get("LAKEHOUSE_CORES", "*")
    if cores != "*" and not cores.isdigit():
        raise ConfigError(f"LAKEHOUSE_CORES={cores!r} is not a number.", fix="e.g. LAKEHOUSE_CORES=2.")
    return f"local[{cores}]"


def local_spark_conf(home: Path, jars: list[Path]) -> dict[str, str]:
    """Settings for a local engine whose files live under ``home``.

    Args:
        home: the ``LAKEHOUSE_HOME`` the engine writes to (warehouse, metastore, logs).
        jars: the Delta jars (from :func:`lakehouse.runtime.jars.delta_jars`).

    Returns:
        A new dict of Spark settings.
    """
    engine_dir = home / "engine"
    java_opts = f"-Dderby.system.home={engine_dir} -Dlog4j2.configurationFile=file:{_LOG4J}"
    conf = {
        "spark.jars": ",".join(str(j) for j in jars),
        "spark.sql.extensions": "io.delta.sql.DeltaSparkSessionExtension",
        "spark.sql.catalog.spark_catalog": "org.apache.spark.sql.delta.catalog.DeltaCatalog",
        "spark.sql.catalogImplementation": "hive",
        "spark.sql.warehouse.dir": str(home / "warehouse"),
        "spark.hadoop.javax.jdo.option.ConnectionURL": (
            f"jdbc:derby:;databaseName={engine_dir / 'metastore_db'};create=true"
        ),
        "spark.driver.extraJavaOptions": java_opts,
        "spark.driver.memory": driver_memory(),
        "spark.sql.shuffle.partitions": "4",
        "spark.default.parallelism": "4",
        "spark.sql.session.timeZone": "UTC",
        "spark.ui.enabled": "true" if os.environ.get("LAKEHOUSE_SPARK_UI") == "1" else "false",
        "spark.ui.showConsoleProgress": "false",
        "spark.sql.execution.arrow.pyspark.enabled": "true",
        "spark.pyspark.python": sys.executable,
        "spark.pyspark.driver.python": sys.executable,
        "spark.databricks.delta.snapshotPartitions": "2",
        # Spark keeps 100 compiled query classes (codegen) by default; one apply_changes call
        # alone needs more, so a course session recompiled the same code again and again (11%
        # of the engine's CPU in a JFR profile). 2000 keeps them: apply_changes 4.5 -> 3.9 s (SCD 1),
        # 5.9 -> 4.0 s (SCD 2), lab 03's pair 254 -> 218 s (docs/BENCHMARKS.md, session 7).
        "spark.sql.codegen.cache.maxEntries": "2000",
        "spark.sql.sources.parallelPartitionDiscovery.parallelism": "2",
        # Delta is the default format on Databricks: CREATE TABLE without USING, CTAS, saveAsTable,
        # read/write/readStream/writeStream without .format() all mean Delta (open-source Spark's
        # default is Parquet). https://docs.databricks.com/en/release-notes/runtime/8.0-migration.html
        "spark.sql.sources.default": "delta",
        "spark.sql.legacy.createHiveTableByDefault": "false",
    }
    extra = extra_conf()
    if "spark.driver.extraJavaOptions" in extra:  # ours (Derby home, log config) stay first
        extra["spark.driver.extraJavaOptions"] = f"{java_opts} {extra['spark.driver.extraJavaOptions']}"
    conf.update(extra)
    return conf


def extra_conf() -> dict[str, str]:
    """The settings in ``LAKEHOUSE_SPARK_CONF`` (``key=value;key=value``), checked.

    Raises:
        ConfigError: a pair without ``=`` or with an empty key.

    Example:
        >>> os.environ["LAKEHOUSE_SPARK_CONF"] = "spark.sql.shuffle.partitions=2; spark.sql.ansi.enabled=true"
        >>> extra_conf()
        {'spark.sql.shuffle.partitions': '2', 'spark.sql.ansi.enabled': 'true'}
        >>> del os.environ["LAKEHOUSE_SPARK_CONF"]
    """
    found = {}
    for pair in os.environ.get("LAKEHOUSE_SPARK_CONF", "").split(";"):
        if not pair.strip():
            continue
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"LAKEHOUSE_SPARK_CONF has {pair.strip()!r}, which is not key=value.",
                              fix="separate settings with ';', e.g. spark.sql.shuffle.partitions=2;spark.x=y.")
        found[key.strip()] = value.strip()
    return found


def spark_home(home: Path) -> Path:
    """The ``SPARK_HOME`` a local engine runs from: ``<home>/engine/spark-home``, links to
    pyspark's ``bin``, ``jars`` and ``sbin`` without its ``python/lib`` zips.

    Spark puts ``$SPARK_HOME/python/lib/pyspark.zip`` first on every Python worker's
    ``PYTHONPATH``. The zip in the pyspark wheel holds no compiled bytecode, so every new
    Python worker compiled pyspark again: 0.50 s instead of 0.16 s per process (measured here,
    pyspark 4.2.0), paid several times by each streaming query on a Python data source
    (``cloudFiles``). Without the zip, workers import the same pyspark from the environment's
    site-packages, compiled once.

    Example:
        >>> import tempfile
        >>> h = spark_home(Path(tempfile.mkdtemp()))
        >>> sorted(p.name for p in h.iterdir()), (h / "python").exists()
        (['bin', 'jars', 'sbin'], False)
    """
    import pyspark

    source = Path(pyspark.__file__).resolve().parent
    target = home / "engine" / "spark-home"
    target.mkdir(parents=True, exist_ok=True)
    for name in ("bin", "jars", "sbin"):
        link = target / name
        if link.is_symlink() and link.resolve() == (source / name).resolve():
            continue
        if link.is_symlink() or link.exists():
            link.unlink()
        link.symlink_to(source / name, target_is_directory=True)
    return target


@contextmanager
def session_conf(spark, settings: dict[str, str]):
    """Set session settings for the duration of a ``with`` block, then restore the old values.

    Args:
        spark: the session (classic or Spark Connect).
        settings: SQL settings to set, e.g. ``{"spark.databricks.delta.merge.materializeSource": "none"}``.

    Example:
        >>> with session_conf(spark, {"spark.sql.shuffle.partitions": "1"}):   # doctest: +SKIP
        ...     spark.range(10).groupBy("id").count().collect()
    """
    old = {key: spark.conf.get(key, None) for key in settings}
    for key, value in settings.items():
        spark.conf.set(key, value)
    try:
        yield
    finally:
        for key, value in old.items():
            if value is None:
                spark.conf.unset(key)
            else:
                spark.conf.set(key, value)
