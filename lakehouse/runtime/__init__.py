"""The local Spark: the shared engine, sessions, settings, jars, the Delta Connect plugin, the cluster.

Everything the course needs to run PySpark + Delta on a laptop, and nothing about Databricks
features (those are the packages beside it: autoloader, cdc, pipelines, governance, ...):

* :mod:`~lakehouse.runtime.engine` — the shared Spark Connect server of a ``LAKEHOUSE_HOME``;
* :mod:`~lakehouse.runtime.session` — ``get_spark()`` (also ``lakehouse.session.get_spark``);
* :mod:`~lakehouse.runtime.spark_conf`, :mod:`~lakehouse.runtime.jars`, :mod:`~lakehouse.runtime.java`,
  :mod:`~lakehouse.runtime.versions` — settings, the Delta jar cache, Java and the pinned pair;
* :mod:`~lakehouse.runtime.delta_connect` — builds and checks our Delta Connect server plugin;
* :mod:`~lakehouse.runtime.cluster` — a standalone master, two workers and a Connect server;
* :mod:`~lakehouse.runtime.shipping` — the package sent to a server that does not have it;
* :mod:`~lakehouse.runtime.doctor` — checks the environment and names each fix;
* :mod:`~lakehouse.runtime.paths`, :mod:`~lakehouse.runtime.locks`, :mod:`~lakehouse.runtime.names` —
  ``LAKEHOUSE_HOME`` and friends, file locks, table-name quoting.

The runtime imports no feature package except at one registration point, named in the layer
contract (``pyproject.toml``): a new session registers the local ``cloudFiles`` source.

Example:
    >>> from lakehouse.runtime.paths import on_databricks
    >>> isinstance(on_databricks(), bool)
    True
"""
