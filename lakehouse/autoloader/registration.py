"""Register the local ``cloudFiles`` source with a Spark session (cheap, idempotent).

Example:
    >>> from lakehouse.autoloader import register_cloud_files
    >>> register_cloud_files(None)
    Traceback (most recent call last):
    ...
    lakehouse.autoloader.errors.CloudFilesOptionError: [CLOUDFILES_OPTION] register_cloud_files needs a SparkSession, got NoneType.
      Fix: pass the session from lakehouse.get_spark().
"""

from __future__ import annotations

import weakref

from .errors import CloudFilesOptionError

_REGISTERED: "weakref.WeakSet" = weakref.WeakSet()


def register_cloud_files(spark) -> None:
    """Make ``spark.readStream.format("cloudFiles")`` use the local Auto Loader source, and
    make its errors read as one line (:mod:`.client_check`).

    Args:
        spark: a ``SparkSession`` (classic or Spark Connect).

    Raises:
        CloudFilesOptionError: ``spark`` is not a session.
    """
    if not hasattr(spark, "dataSource"):
        raise CloudFilesOptionError(f"register_cloud_files needs a SparkSession, got {type(spark).__name__}.",
                                    fix="pass the session from lakehouse.get_spark().")
    try:
        if spark in _REGISTERED:
            return
    except TypeError:
        pass
    from .client_check import install_hooks
    from ..runtime.shipping import portable_data_source, shipped
    from .source import CloudFilesDataSource

    # a server without the package (remote cluster): a by-value stand-in that brings it along
    spark.dataSource.register(portable_data_source(CloudFilesDataSource) if shipped(spark) else CloudFilesDataSource)
    install_hooks(spark)
    try:
        _REGISTERED.add(spark)
    except TypeError:
        pass
