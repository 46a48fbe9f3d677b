"""Files read inside a pipeline: ``read_files`` / ``cloud_files`` on the local Auto Loader, and the
schema location a pipeline manages for each Auto Loader flow.

* ``STREAM read_files(path, key => value, ...)`` is Auto Loader: "read_files leverages Auto
  Loader when used in a streaming table query"; its options are Auto Loader's without the
  ``cloudFiles.`` prefix, and ``inferColumnTypes`` defaults to true
  (https://docs.databricks.com/aws/en/sql/language-manual/functions/read_files, "Usage in
  streaming tables", "Options"). Batch ``read_files`` is a plain file read here
  (:func:`read_files` is the one place to swap for a fuller implementation).
* legacy ``cloud_files(path, format, map(...))``: Auto Loader with the map's options as given.
* A pipeline manages the schema location of each Auto Loader flow: when a query does not set
  ``cloudFiles.schemaLocation``, the flow's own folder under the pipeline's ``storage`` is used
  (``<storage>/checkpoints/<dataset>/<flow>/autoloader``; a full refresh clears it with the
  checkpoint, as on Databricks, https://docs.databricks.com/aws/en/ingestion/cloud-object-storage/auto-loader/dlt).

Example:
    >>> cloud_files_options((("format", "csv"), ("header", "true"), ("schemaHints", "id INT")))
    {'cloudFiles.inferColumnTypes': 'true', 'cloudFiles.format': 'csv', 'header': 'true', 'cloudFiles.schemaHints': 'id INT'}
"""

from __future__ import annotations

import contextvars
import os

READ_FILES_REF = "https://docs.databricks.com/aws/en/sql/language-manual/functions/read_files"
SCHEMA_LOCATION = "cloudFiles.schemaLocation"

CURRENT_FLOW: contextvars.ContextVar = contextvars.ContextVar("lakehouse_pipeline_flow", default=None)
"""The flow whose query is being built (``(dataset, flow)`` names), set while a query function runs."""


def cloud_files_options(options) -> dict:
    """``read_files`` options as ``cloudFiles`` reader options (Auto Loader's own get the prefix)."""
    from ..autoloader.option_specs import spec

    out = {"cloudFiles.inferColumnTypes": "true"}  # read_files' default (Auto Loader's is false)
    for key, value in options:
        if key.lower().startswith("cloudfiles."):
            out[key] = value
        elif key.lower() == "format" or spec(f"cloudFiles.{key}") is not None:
            out[f"cloudFiles.{key}"] = value
        else:
            out[key] = value
    return out


def read_files(session, path: str, options, *, streaming: bool):
    """The DataFrame of ``read_files(path, options...)`` (``STREAM read_files`` when ``streaming``).

    Raises:
        PipelineDefinitionError: a batch ``read_files`` without ``format`` (not detected locally).
    """
    if streaming:
        return session.readStream.format("cloudFiles").options(**cloud_files_options(options)).load(path)
    from .errors import PipelineDefinitionError

    opts = dict(options)
    fmt = next((opts.pop(k) for k in list(opts) if k.lower() == "format"), None)
    if fmt is None:
        raise PipelineDefinitionError(f"read_files({path!r}) needs format => '...' locally (the format is not "
                                      "detected from the files).", fix=f"add format => 'csv' (or json, ...); {READ_FILES_REF}.")
    if fmt.lower() == "csv":
        opts.setdefault("inferSchema", opts.pop("inferColumnTypes", "true"))
    return session.read.format(fmt).options(**opts).load(path)


def cloud_files(session, path: str, options):
    """The streaming DataFrame of legacy ``cloud_files(path, format, map(...))``."""
    return session.readStream.format("cloudFiles").options(**dict(options)).load(path)


def managed_schema_location(storage: str | None) -> str | None:
    """The schema location the pipeline manages for the flow being built, or None outside a flow.

    Example:
        >>> token = CURRENT_FLOW.set(("bronze", "bronze"))
        >>> managed_schema_location("/p/state")
        '/p/state/checkpoints/bronze/bronze/autoloader'
        >>> CURRENT_FLOW.reset(token)
    """
    flow = CURRENT_FLOW.get()
    if flow is None or not storage:
        return None
    dataset, name = flow
    return os.path.join(storage, "checkpoints", dataset, name, "autoloader")
