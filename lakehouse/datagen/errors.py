"""Errors of the data generator and the arrival simulator, each with a stable ``code``.

Tests assert the class and the code, never the message text.

Example:
    >>> from lakehouse.datagen.errors import BadArgumentError, DatagenError
    >>> issubclass(BadArgumentError, DatagenError), BadArgumentError.code
    (True, 'DATAGEN_BAD_ARGUMENT')
"""

from __future__ import annotations

from ..errors import LakehouseError


class DatagenError(LakehouseError):
    """Root of the errors ``lakehouse.datagen`` raises on purpose."""

    code = "DATAGEN_ERROR"


class BadArgumentError(DatagenError):
    """An argument or flag has the wrong type or is out of range (scale, seed, batches)."""

    code = "DATAGEN_BAD_ARGUMENT"


class OutputDirError(DatagenError):
    """The output folder cannot be used: not writable, a file, or not a generated-data folder."""

    code = "DATAGEN_OUTPUT_DIR"


class OutputConflictError(DatagenError):
    """The output folder already holds data generated with another seed, scale or batch count."""

    code = "DATAGEN_OUTPUT_CONFLICT"


class ManifestError(DatagenError):
    """A folder has no readable ``_manifest.json`` (it was not generated, or it is damaged)."""

    code = "DATAGEN_MANIFEST"


class ArrivalConflictError(DatagenError):
    """A landing folder already holds batches from another generated data set."""

    code = "DATAGEN_ARRIVAL_CONFLICT"
