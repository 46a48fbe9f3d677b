"""Errors of the local ``cloudFiles`` source, each with a stable ``code``.

Errors raised while a stream runs (inside Spark's Python workers) reach the caller inside a
``StreamingQueryException``; their text starts with ``[CODE]`` so tests and learners can find
them. Errors raised by the helpers in this package can be caught by class.

Example:
    >>> from lakehouse.autoloader.errors import CloudFilesOptionError
    >>> CloudFilesOptionError.code
    'CLOUDFILES_OPTION'
    >>> str(CloudFilesOptionError("Unknown option 'x'.")).splitlines()[0]   # the code once, first
    "[CLOUDFILES_OPTION] Unknown option 'x'."
"""

from __future__ import annotations

from ..errors import LakehouseError


class AutoLoaderError(LakehouseError):
    """Root of the errors of the local Auto Loader (``cloudFiles``) source."""

    code = "AUTOLOADER_ERROR"


class CloudFilesOptionError(AutoLoaderError):
    """An option is unknown, unsupported locally, missing or has a bad value."""

    code = "CLOUDFILES_OPTION"


class SchemaInferenceError(AutoLoaderError):
    """No schema could be inferred (no files yet, unreadable files, bad schema hints)."""

    code = "CLOUDFILES_SCHEMA_INFERENCE"


class UnknownFieldError(AutoLoaderError):
    """New columns were found (``addNewColumns`` / ``failOnNewColumns``); Databricks raises
    ``UnknownFieldException`` at the same point."""

    code = "UNKNOWN_FIELD"


class FileLogError(AutoLoaderError):
    """The record of discovered files (the stream's file log) is missing or inconsistent."""

    code = "CLOUDFILES_FILE_LOG"


class MalformedRecordError(AutoLoaderError):
    """A malformed record was found with ``mode=FAILFAST`` (Spark: ``MALFORMED_RECORD_IN_PARSING``)."""

    code = "CLOUDFILES_MALFORMED_RECORD"
