"""The package on a Spark Connect server that does not have it installed (any remote cluster).

Spark Connect's artifact API (``spark.addArtifacts(zip, pyfile=True)``,
https://spark.apache.org/docs/latest/api/python/reference/pyspark.sql/api/pyspark.sql.SparkSession.addArtifacts.html)
puts a zip of ``lakehouse`` on the Python path of the session's **executor** tasks (UDFs, the
``cloudFiles`` partitions). Two Python processes that Spark 4.2 starts on the **driver** for a
stream do not get the session's artifacts (checked on the local cluster, :mod:`lakehouse.runtime.cluster`):
the Python data source's streaming planner (``python_streaming_source_runner``) and the
``foreachBatch`` runner — both failed with ``No module named 'lakehouse'``. So the objects sent to
those processes carry the zip themselves and, when ``import lakehouse`` fails there, unpack it
and put it on ``sys.path`` first:

* :func:`portable_data_source` — a by-value stand-in for a ``DataSource`` class (``cloudFiles``);
* :func:`portable` — a by-value wrapper for a ``foreachBatch`` function.

The executors' Python workers that read a Python data source's partitions did not get the
artifacts either (UDFs did), so the stream reader and its partitions travel the same way
(:class:`PortableStreamReader`, :class:`PortablePartition`).

Both are no-ops on the shared local engine (its Python has the package installed).

Example:
    >>> zip_path, digest = package_zip()
    >>> zip_path.suffix, len(digest)
    ('.zip', 12)
"""

from __future__ import annotations

import hashlib
import os
import sys
import tempfile
import zipfile
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1]  # lakehouse/, this file is lakehouse/runtime/shipping.py


def _artifact_dir() -> Path:
    return Path(tempfile.gettempdir()) / "lakehouse-artifacts"


def package_zip() -> tuple[Path, str]:
    """A zip of the installed ``lakehouse`` package (cached by content), and its content digest.

    Returns:
        ``(path, digest)``: the zip under the temp folder, named ``lakehouse-<digest>.zip``
        (12 hex characters of a SHA-256 of every file's name and bytes; ``__pycache__`` left out).
    """
    files = sorted(p for p in PACKAGE.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    sha = hashlib.sha256()
    for f in files:
        sha.update(str(f.relative_to(PACKAGE)).encode() + b"\0" + f.read_bytes())
    digest = sha.hexdigest()[:12]
    target = _artifact_dir() / f"lakehouse-{digest}.zip"
    if not target.is_file():
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(f".{os.getpid()}.part")
        with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as zf:
            for f in files:  # fixed timestamps: the same package gives the same bytes
                info = zipfile.ZipInfo(str(Path("lakehouse") / f.relative_to(PACKAGE)), (2020, 1, 1, 0, 0, 0))
                info.compress_type = zipfile.ZIP_DEFLATED
                zf.writestr(info, f.read_bytes())
        partial.replace(target)
    return target, digest


def _ensure_importable(blob: bytes, digest: str) -> None:
    """In a server-side Python process: make ``import lakehouse`` work (unpack ``blob`` if needed)."""
    import importlib
    import importlib.util

    if importlib.util.find_spec("lakehouse") is not None:  # installed here: nothing to unpack
        return
    import os as _os
    import tempfile as _tempfile

    folder = _os.path.join(_tempfile.gettempdir(), "lakehouse-artifacts")
    _os.makedirs(folder, exist_ok=True)
    path = _os.path.join(folder, f"lakehouse-{digest}.zip")
    if not _os.path.isfile(path):
        partial = f"{path}.{_os.getpid()}.part"
        with open(partial, "wb") as out:
            out.write(blob)
        _os.replace(partial, path)
    if path not in sys.path:
        sys.path.insert(0, path)
    importlib.invalidate_caches()


def _by_value() -> None:
    """Pickle this module's classes and functions by value (the server cannot import them)."""
    from pyspark import cloudpickle

    cloudpickle.register_pickle_by_value(sys.modules[__name__])


class PortableFunction:
    """A ``foreachBatch`` function that brings the package along (see the module doc).

    Calling it makes ``lakehouse`` importable, unpickles the wrapped function, and calls it.
    """

    def __init__(self, fn, blob: bytes, digest: str):
        from pyspark import cloudpickle

        self._fn, self._blob, self._digest = cloudpickle.dumps(fn), blob, digest

    def __call__(self, *args, **kwargs):
        import pickle

        _ensure_importable(self._blob, self._digest)
        return pickle.loads(self._fn)(*args, **kwargs)


_SHIPPED: set[str] = set()


def ship_package(spark):
    """Send the ``lakehouse`` package to a Spark Connect session, for servers that cannot import it.

    A remote cluster's Python workers do not have the course installed, yet they must import it:
    the ``cloudFiles`` source is a Python data source pickled by reference, and the AUTO CDC
    engine's ``foreachBatch`` functions and the UDFs live in the package. Spark Connect's artifact
    API (``spark.addArtifacts(path, pyfile=True)``,
    https://spark.apache.org/docs/latest/api/python/reference/pyspark.sql/api/pyspark.sql.SparkSession.addArtifacts.html)
    puts a zip of the package on the session's Python path on the driver and every executor.
    ``get_spark()`` calls it whenever ``SPARK_REMOTE`` is set; ``LAKEHOUSE_SHIP_PACKAGE=0``
    turns it off (a cluster with the package installed). Once per session. The Python processes
    Spark starts on the driver for a stream do not see the artifacts: the portable wrappers below
    cover those.

    Args:
        spark: a Spark Connect session.

    Returns:
        The zip's path, or None when it was not sent (turned off, already sent, classic session).

    Example:
        >>> ship_package(get_spark())                                   # doctest: +SKIP
        PosixPath('/tmp/lakehouse-artifacts/lakehouse-3f2a9c1e.zip')
    """
    if os.environ.get("LAKEHOUSE_SHIP_PACKAGE", "1") == "0" or not hasattr(spark, "addArtifacts"):
        return None
    session_id = getattr(spark, "session_id", None)
    if session_id in _SHIPPED:
        return None
    target, _ = package_zip()
    spark.addArtifacts(str(target), pyfile=True)
    _SHIPPED.add(session_id)
    return target


def shipped(spark) -> bool:
    """True when ``spark`` is a session the package was shipped to (:func:`lakehouse.runtime.shipping.ship_package`)."""
    return getattr(spark, "session_id", None) in _SHIPPED


def portable(fn, spark):
    """``fn`` ready to run in a server-side ``foreachBatch`` process of ``spark``.

    Args:
        fn: the ``foreachBatch`` function ``(batch_df, batch_id) -> None``.
        spark: the session that starts the stream.

    Returns:
        ``fn`` itself on a session that did not need the package shipped (the local engine),
        else a :class:`PortableFunction` around it.

    Example:
        >>> def f(df, batch_id): pass
        >>> portable(f, None) is f
        True
    """
    if not shipped(spark):
        return fn
    _by_value()
    path, digest = package_zip()
    return PortableFunction(fn, path.read_bytes(), digest)


def portable_data_source(cls):
    """A by-value class standing in for the ``DataSource`` class ``cls`` (same ``name()``).

    Its ``schema``/``reader``/``streamReader`` first make ``lakehouse`` importable in the
    server's Python process, then delegate to ``cls`` with the same options.

    Args:
        cls: a ``pyspark.sql.datasource.DataSource`` subclass defined in the package.

    Returns:
        A new ``DataSource`` subclass to register instead of ``cls``.
    """
    from pyspark.sql.datasource import DataSource

    _by_value()
    path, digest = package_zip()
    blob, target, short = path.read_bytes(), (cls.__module__, cls.__qualname__), cls.name()

    class Portable(DataSource):
        @classmethod
        def name(cls_):
            return short

        def _real(self):
            import importlib

            _ensure_importable(blob, digest)
            real = getattr(importlib.import_module(target[0]), target[1])(self.options)
            real.__dict__.update({k: v for k, v in self.__dict__.items() if k != "options"})
            return real

        def schema(self):
            real = self._real()
            result = real.schema()
            self.__dict__.update({k: v for k, v in real.__dict__.items() if k != "options"})
            return result

        def reader(self, schema):
            return self._real().reader(schema)

        def streamReader(self, schema):
            return PortableStreamReader(self._real().streamReader(schema), blob, digest)

    Portable.__name__ = Portable.__qualname__ = f"Portable{cls.__name__}"
    return Portable


def _portable_reader_classes():
    """The by-value stream reader and partition classes (built on first use: pyspark imports)."""
    from pyspark.sql.datasource import DataSourceStreamReader, InputPartition
    from pyspark.sql.streaming.datasource import SupportsTriggerAvailableNow

    class PortablePartition(InputPartition):
        """A partition of the real reader, pickled: the executor unpickles it after the import works."""

        def __init__(self, blob: bytes):
            super().__init__(blob)

    class PortableStreamReader(DataSourceStreamReader, SupportsTriggerAvailableNow):
        """Delegates to the package's stream reader; pickled, it carries the reader as bytes."""

        def __init__(self, real, blob: bytes, digest: str):
            self._real, self._blob, self._digest, self._state = real, blob, digest, None

        def __getstate__(self):
            from pyspark import cloudpickle

            state = dict(self.__dict__)
            state["_state"] = cloudpickle.dumps(self._real) if self._real is not None else state["_state"]
            state["_real"] = None
            return state

        def _get(self):
            if self._real is None:
                import pickle

                _ensure_importable(self._blob, self._digest)
                self._real = pickle.loads(self._state)
            return self._real

        def initialOffset(self):
            return self._get().initialOffset()

        def getDefaultReadLimit(self):
            return self._get().getDefaultReadLimit()

        def prepareForTriggerAvailableNow(self):
            return self._get().prepareForTriggerAvailableNow()

        def latestOffset(self, start=None, limit=None):
            return self._get().latestOffset(start, limit)

        def partitions(self, start, end):
            from pyspark import cloudpickle

            return [PortablePartition(cloudpickle.dumps(p)) for p in self._get().partitions(start, end)]

        def read(self, partition):
            import pickle

            real = self._get()
            return real.read(pickle.loads(partition.value))

        def commit(self, end):
            return self._get().commit(end)

        def stop(self):
            return self._get().stop()

    return PortableStreamReader, PortablePartition


def PortableStreamReader(real, blob: bytes, digest: str):  # noqa: N802 (reads as the class it builds)
    """The by-value stand-in for the package's stream reader ``real`` (see the module doc)."""
    return _portable_reader_classes()[0](real, blob, digest)
