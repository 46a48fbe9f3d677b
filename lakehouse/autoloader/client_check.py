"""Make ``cloudFiles`` errors read as one line: check on the client, translate what Spark wraps.

A Python data source runs in Spark's Python workers, so an error it raises reaches the
notebook as ``[PYTHON_DATA_SOURCE_ERROR] ...`` with a worker traceback, our message buried in
it. Two hooks, installed on the reader and writer classes of the session's kind (classic or
Spark Connect) by :func:`lakehouse.autoloader.register_cloud_files`:

* ``DataStreamReader.load`` on a ``cloudFiles`` reader checks the options, the schema hints
  and (for schema inference) that there is a stored schema or a file to infer one from, on
  the client, without Spark. Over Spark Connect this is where ``load`` returns, so a bad
  option fails at ``load`` with our error, as on Databricks (where the source is analysed
  eagerly).
* ``load`` (classic mode analyses it there), ``DataStreamWriter.start`` and ``toTable``
  re-raise an error whose text carries one of our codes as that error (same class, code,
  message and fix), without the worker traceback.

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
from .errors import AutoLoaderError, SchemaInferenceError

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


def check_stream(options: dict, *, has_schema: bool) -> None:
    """Check a ``cloudFiles`` reader on the client before Spark runs the source.

    Args:
        options: the reader's options (any case) with ``path``.
        has_schema: True when ``.schema(...)`` was given.

    Raises:
        CloudFilesOptionError: an option is unknown, not supported locally or invalid.
        SchemaInferenceError: bad schema hints, or nothing to infer a schema from.
    """
    from .options import parse_options
    from .schema_hints import apply_hints, parse_hints

    opts = parse_options(options, user_schema=has_schema)
    if opts.schema_hints:
        parse_hints(opts.schema_hints)
    if has_schema or opts.format in ("text", "binaryfile"):
        return
    from .file_log import listed_files
    from .schema_inference import no_files_error
    from .schema_store import SchemaStore

    latest = SchemaStore(opts.schema_location).latest()
    if latest is not None:
        apply_hints(latest[1], opts.schema_hints)
    elif not listed_files(opts):
        raise no_files_error(opts)


def _reader_options(reader) -> tuple[dict, bool] | None:
    """``(options, has_schema)`` of a Spark Connect ``cloudFiles`` reader, else None."""
    fmt = getattr(reader, "_format", None)
    if not isinstance(fmt, str) or fmt.lower() != "cloudfiles" or not hasattr(reader, "_options"):
        return None
    return dict(reader._options), bool(getattr(reader, "_schema", None))


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


def _checked_load(load):
    @functools.wraps(load)
    def call(self, path=None, format=None, schema=None, **options):
        df = load(self, path, format, schema, **options)
        found = _reader_options(self)
        if found is not None:
            opts, has_schema = found
            if path is not None:
                opts["path"] = path
            check_stream(opts, has_schema=has_schema)
        return df

    return _translating(call)


def install_hooks(spark) -> None:
    """Install the ``load`` / ``start`` / ``toTable`` hooks for ``spark``'s reader and writer
    classes (once per class; cheap; nothing else changes).

    Args:
        spark: a classic or Spark Connect ``SparkSession``.
    """
    reader_cls = type(spark.readStream)
    if not getattr(reader_cls.load, _MARK, False):
        reader_cls.load = _checked_load(reader_cls.load)
    writer_cls = getattr(sys.modules.get(reader_cls.__module__), "DataStreamWriter", None)
    for name in ("start", "toTable"):
        method = getattr(writer_cls, name, None)
        if method is not None and not getattr(method, _MARK, False):
            setattr(writer_cls, name, _translating(method))
