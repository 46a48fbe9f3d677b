"""The notebook's ``spark``: a real Spark session made on first use, whose ``sql`` runs Databricks SQL.

Lazy: a kernel that starts does not start or connect to the engine (a cold engine takes 6-17 s,
a connection to a warm one ~0.7 s); ``spark`` is a stand-in until first used, then the session
itself (the stand-in replaces itself in the notebook's namespace). ``isinstance(spark,
SparkSession)`` is true for the stand-in too (its ``__class__`` is the session's class); only
``type(spark)`` shows the stand-in before first use.

``spark.sql(text)`` called from notebook code on the course kernel goes through
:func:`lakehouse.sql`: the same Databricks SQL as a ``%sql`` cell (Unity Catalog statements,
``:`` JSON paths, row filters and masks), and still returns a real Spark DataFrame. Done by
:func:`route_sql`, which the kernel extension calls in the kernel's process only: it wraps the
``sql`` method of pyspark's session classes so that a call from notebook code (module
``__main__``: cells and ``%run`` notebooks) is routed; calls from pyspark, delta or the
``lakehouse`` package itself, and calls with ``args`` (parameter markers), go to Spark's own ``sql``.
The classes are wrapped when their module is first imported (:func:`when_imported`), so a kernel
that never uses Spark does not import it (``pyspark.sql.connect.session`` takes 1.7 s of CPU to import).

Example:
    >>> from pyspark.sql import SparkSession
    >>> lazy = LazySpark(lambda: None)
    >>> isinstance(lazy, SparkSession), repr(lazy)
    (True, '<spark: the session starts on first use>')
"""

from __future__ import annotations

import importlib.abc
import sys

_ROUTED = "_lakehouse_routed"


def _from_notebook(depth: int = 2) -> bool:
    return sys._getframe(depth).f_globals.get("__name__") == "__main__"


def route_sql(cls) -> None:
    """Make ``cls.sql`` run Databricks SQL (via :func:`lakehouse.sql`) when notebook code calls it.

    Args:
        cls: a SparkSession class (Spark Connect's or classic); wrapped once.

    Example:
        >>> from pyspark.sql.connect.session import SparkSession   # doctest: +SKIP
        >>> route_sql(SparkSession)                                # doctest: +SKIP
    """
    if getattr(cls.sql, _ROUTED, False):
        return
    spark_sql = cls.sql

    def sql(self, sqlQuery, args=None, **kwargs):
        if args is None and not kwargs and isinstance(sqlQuery, str) and _from_notebook():
            import lakehouse

            return lakehouse.sql(sqlQuery, spark=self)
        return spark_sql(self, sqlQuery, args, **kwargs)

    sql.__doc__ = spark_sql.__doc__
    setattr(sql, _ROUTED, True)
    cls.sql = sql


class _AfterImport(importlib.abc.MetaPathFinder):
    """Calls ``then(module)`` right after the module ``name`` is imported (once)."""

    def __init__(self, name: str, then):
        self.name, self.then = name, then

    def find_spec(self, fullname, path, target=None):
        if fullname != self.name:
            return None
        sys.meta_path.remove(self)
        import importlib.util

        spec = importlib.util.find_spec(fullname)
        if spec is None or spec.loader is None:
            return spec
        exec_module, then = spec.loader.exec_module, self.then

        def exec_then(module):
            exec_module(module)
            then(module)

        spec.loader.exec_module = exec_then
        return spec


def when_imported(name: str, then) -> None:
    """Call ``then(module)`` once the module ``name`` is imported: now if it already is, else right after its import.

    Example:
        >>> seen = []
        >>> when_imported("json", lambda m: seen.append(m.__name__))
        >>> seen
        ['json']
    """
    if name in sys.modules:
        then(sys.modules[name])
    elif not any(isinstance(f, _AfterImport) and f.name == name for f in sys.meta_path):
        sys.meta_path.insert(0, _AfterImport(name, then))


class LazySpark:
    """Stands for the notebook's ``spark`` until first used; then makes the session and puts it in ``namespace``."""

    def __init__(self, make, namespace: dict | None = None, name: str = "spark"):
        object.__setattr__(self, "_make", make)
        object.__setattr__(self, "_namespace", namespace)
        object.__setattr__(self, "_name", name)
        object.__setattr__(self, "_session", None)

    def _real(self):
        session = object.__getattribute__(self, "_session")
        if session is None:
            session = object.__getattribute__(self, "_make")()
            object.__setattr__(self, "_session", session)
            ns, name = object.__getattribute__(self, "_namespace"), object.__getattribute__(self, "_name")
            if ns is not None and ns.get(name) is self:
                ns[name] = session
        return session

    @property
    def __class__(self):  # isinstance(spark, SparkSession) holds before first use
        from pyspark.sql import SparkSession

        return SparkSession

    def __getattr__(self, item):
        return getattr(self._real(), item)

    def __setattr__(self, item, value):
        setattr(self._real(), item, value)

    def __dir__(self):
        return dir(self._real())

    def __repr__(self):
        session = object.__getattribute__(self, "_session")
        return repr(session) if session is not None else "<spark: the session starts on first use>"
