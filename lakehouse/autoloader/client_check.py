"""Make ``cloudFiles`` errors read as one line: re-raise what Spark wraps as our own error.

A Python data source runs in Spark's Python workers, so an error it raises (a bad option, a
schema hint that does not fit, nothing to infer a schema from) reaches the notebook as
``[PYTHON_DATA_SOURCE_ERROR] ...`` with a worker traceback, our message buried in it. The
hooks installed by :func:`lakehouse.autoloader.register_cloud_files` on the classes of the
session's kind (classic or Spark Connect) re-raise such an error as the original one: same
class, ``code``, message and fix, first line ``[CODE] message``; the Spark error stays in
its ``spark_error`` attribute. They act where Spark analyses a streaming DataFrame, so
errors come where they come on Databricks:

* classic mode analyses at ``DataStreamReader.load``;
* Spark Connect analyses lazily: at ``df.schema`` / ``df.columns`` / ``df.printSchema()``
  or at ``writeStream.start()`` / ``toTable()``.

Errors raised while a stream runs (``UNKNOWN_FIELD`` ...) stay inside the
``StreamingQueryException`` that ``awaitTermination`` raises, as on Databricks;
``lakehouse.display.short_error`` gives their line.

Example:
    >>> err = from_spark_error(RuntimeError(
    ...     "[PYTHON_DATA_SOURCE_ERROR] Traceback ...\\n[CLOUDFILES_OPTION] Unknown option 'x'.\\n"
    ...     "  Fix: remove it.\\n  at ..."))
    >>> type(err).__name__, err.code, str(err).splitlines()[0]
    ('CloudFilesOptionError', 'CLOUDFILES_OPTION', "[CLOUDFILES_OPTION] Unknown option 'x'.")
"""

from __future__ import annotations

import functools
import re
import sys

from . import errors
from .errors import AutoLoaderError

_MARK = "_lakehouse_cloudfiles_hook"


def _error_classes() -> dict[str, type[AutoLoaderError]]:
    found = {}
    for obj in vars(errors).values():
        if isinstance(obj, type) and issubclass(obj, AutoLoaderError):
            found[obj.code] = obj
    return found


def from_spark_error(exc: BaseException) -> AutoLoaderError | None:
    """The ``cloudFiles`` error carried in the text of a Spark error, or None.

    Args:
        exc: an exception raised by Spark (classic or Connect).

    Returns:
        A new error of the original class with the original message and fix, or None when
        the text has none of this package's codes.
    """
    if isinstance(exc, AutoLoaderError):
        return None
    classes = _error_classes()
    codes = "|".join(re.escape(c) for c in classes)
    match = re.search(rf"\[({codes})\] ([^\n]*)(?:\n\s*Fix: ([^\n]*))?", str(exc))
    if match is None:
        return None
    return classes[match.group(1)](match.group(2).strip(), fix=match.group(3))


def _translating(method):
    @functools.wraps(method)
    def call(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except AutoLoaderError:
            raise
        except Exception as exc:
            ours = from_spark_error(exc)
            if ours is None:
                raise
            ours.spark_error = exc  # the original, for whoever needs the whole trace
        raise ours

    setattr(call, _MARK, True)
    return call


def _translate_property(prop: property) -> property:
    return property(_translating(prop.fget), prop.fset, prop.fdel, prop.__doc__)


def install_hooks(spark) -> None:
    """Install the translating hooks for ``spark``'s reader, writer and DataFrame classes
    (once per class; cheap; only errors carrying one of our codes change).

    Args:
        spark: a classic or Spark Connect ``SparkSession``.
    """
    reader_cls = type(spark.readStream)
    writer_cls = getattr(sys.modules.get(reader_cls.__module__), "DataStreamWriter", None)
    targets = [(reader_cls, "load"), (writer_cls, "start"), (writer_cls, "toTable")]
    if type(spark).__module__.startswith("pyspark.sql.connect"):
        from pyspark.sql.connect.dataframe import DataFrame

        targets.append((DataFrame, "_schema"))  # behind schema, columns, dtypes, printSchema
    for cls, name in targets:
        member = cls.__dict__.get(name) if cls is not None else None
        if isinstance(member, property):
            if not getattr(member.fget, _MARK, False):
                setattr(cls, name, _translate_property(member))
        elif member is not None and not getattr(member, _MARK, False):
            setattr(cls, name, _translating(member))
