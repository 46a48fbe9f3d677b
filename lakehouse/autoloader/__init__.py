"""Databricks Auto Loader (``cloudFiles``) as a local Spark streaming source.

Example:
    >>> from lakehouse.autoloader import CloudFilesDataSource
    >>> CloudFilesDataSource.name()
    'cloudFiles'
"""

from .errors import AutoLoaderError, CloudFilesOptionError, SchemaInferenceError, UnknownFieldError
from .registration import register_cloud_files
from .source import CloudFilesDataSource

__all__ = [
    "AutoLoaderError",
    "CloudFilesDataSource",
    "CloudFilesOptionError",
    "SchemaInferenceError",
    "UnknownFieldError",
    "register_cloud_files",
]
