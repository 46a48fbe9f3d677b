"""Parse and check the options of a ``cloudFiles`` stream, as Databricks documents them.

Every ``cloudFiles.*`` option is either supported, known to Databricks but not available
locally (clear error naming the option), or unknown (clear error with the closest match).
Reference: https://docs.databricks.com/aws/en/ingestion/cloud-object-storage/auto-loader/options

Example:
    >>> opts = parse_options({"cloudFiles.format": "json", "path": "/tmp/in",
    ...                       "cloudFiles.schemaLocation": "/tmp/s"}, user_schema=False)
    >>> opts.format, opts.evolution_mode, opts.rescued_column, opts.max_files
    ('json', 'addNewColumns', '_rescued_data', 1000)
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass

from .errors import CloudFilesOptionError

OPTIONS_DOC = "https://docs.databricks.com/aws/en/ingestion/cloud-object-storage/auto-loader/options"
SCHEMA_DOC = "https://docs.databricks.com/aws/en/ingestion/cloud-object-storage/auto-loader/schema"

FORMATS = ("json", "csv", "parquet", "text", "binaryfile")
EVOLUTION_MODES = ("addNewColumns", "rescue", "failOnNewColumns", "none")
DEFAULT_RESCUED_COLUMN = "_rescued_data"
DEFAULT_MAX_FILES = 1000  # cloudFiles.maxFilesPerTrigger default (options page)

# cloudFiles.* options this source implements (lower-case keys, as Spark hands them over).
_SUPPORTED_CF = {
    "cloudfiles.format", "cloudfiles.schemalocation", "cloudfiles.infercolumntypes",
    "cloudfiles.schemahints", "cloudfiles.schemaevolutionmode", "cloudfiles.maxfilespertrigger",
    "cloudfiles.maxbytespertrigger", "cloudfiles.includeexistingfiles",
    "cloudfiles.validateoptions", "cloudfiles.allowoverwrites", "cloudfiles.usenotifications",
    "cloudfiles.uselisting",
}
# Documented Databricks options that need cloud services or features not emulated here.
_DATABRICKS_ONLY_CF = {
    "cloudfiles.backfillinterval", "cloudfiles.cleansource", "cloudfiles.cleansource.retentionduration",
    "cloudfiles.cleansource.movedestination", "cloudfiles.maxfileage", "cloudfiles.partitioncolumns",
    "cloudfiles.useincrementallisting", "cloudfiles.usemanagedfileevents", "cloudfiles.resourcetag",
    "cloudfiles.region", "cloudfiles.queueurl", "cloudfiles.connectionstring",
    "cloudfiles.resourcegroup", "cloudfiles.subscriptionid", "cloudfiles.tenantid",
    "cloudfiles.clientid", "cloudfiles.clientsecret", "cloudfiles.projectid", "cloudfiles.client",
    "cloudfiles.fetchparallelism", "cloudfiles.pathrewrites", "cloudfiles.subscription",
    "cloudfiles.usestrictglobber", "cloudfiles.queuename", "cloudfiles.topicname",
}
# Generic and format options (Spark's file-source and format option names) accepted locally.
_SUPPORTED_OTHER = {
    "path", "header", "sep", "delimiter", "quote", "escape", "multiline", "rescueddatacolumn",
    "pathglobfilter", "mode", "encoding", "charset", "linesep", "recursivefilelookup",
}
_CANONICAL = {
    "cloudfiles.format": "cloudFiles.format", "cloudfiles.schemalocation": "cloudFiles.schemaLocation",
    "cloudfiles.infercolumntypes": "cloudFiles.inferColumnTypes",
    "cloudfiles.schemahints": "cloudFiles.schemaHints",
    "cloudfiles.schemaevolutionmode": "cloudFiles.schemaEvolutionMode",
    "cloudfiles.maxfilespertrigger": "cloudFiles.maxFilesPerTrigger",
    "cloudfiles.maxbytespertrigger": "cloudFiles.maxBytesPerTrigger",
    "cloudfiles.includeexistingfiles": "cloudFiles.includeExistingFiles",
    "cloudfiles.validateoptions": "cloudFiles.validateOptions",
    "cloudfiles.allowoverwrites": "cloudFiles.allowOverwrites",
    "cloudfiles.usenotifications": "cloudFiles.useNotifications",
    "cloudfiles.uselisting": "cloudFiles.useListing",
}


@dataclass(frozen=True)
class AutoLoaderOptions:
    """The checked settings of one ``cloudFiles`` stream (see :func:`parse_options`)."""

    path: str
    format: str
    schema_location: str | None
    infer_column_types: bool
    schema_hints: str | None
    evolution_mode: str
    rescued_column: str | None
    max_files: int
    max_bytes: int | None
    include_existing: bool
    user_schema: bool
    header: bool = False
    sep: str = ","
    quote: str = '"'
    escape: str | None = None
    multiline: bool = False
    path_glob: str | None = None


def _bool(key: str, value: str) -> bool:
    text = str(value).strip().lower()
    if text in ("true", "false"):
        return text == "true"
    raise CloudFilesOptionError(f"Option {_CANONICAL.get(key, key)}={value!r} is not a boolean.",
                                fix="use 'true' or 'false'.")


def _positive_int(key: str, value: str) -> int:
    text = str(value).strip()
    if text.isdigit() and int(text) > 0:
        return int(text)
    raise CloudFilesOptionError(f"Option {_CANONICAL.get(key, key)}={value!r} is not a positive integer.",
                                fix="use a whole number >= 1, e.g. '1000'.")


_BYTES = re.compile(r"^\s*(\d+)\s*([kmgt]?)(i?b)?\s*$", re.IGNORECASE)


def parse_byte_size(value: str) -> int:
    """Parse a byte string such as ``10g``, ``512m`` or ``1048576`` into bytes.

    Args:
        value: a number optionally followed by k, m, g or t (powers of 1024), as Databricks accepts.

    Returns:
        The number of bytes (> 0).

    Raises:
        CloudFilesOptionError: the text is not a byte size.

    Example:
        >>> parse_byte_size("10m")
        10485760
    """
    match = _BYTES.match(str(value))
    if not match or int(match.group(1)) == 0:
        raise CloudFilesOptionError(f"Option cloudFiles.maxBytesPerTrigger={value!r} is not a byte size.",
                                    fix="use e.g. '10g', '512m' or a number of bytes.")
    unit = match.group(2).lower()
    return int(match.group(1)) * 1024 ** " kmgt".index(unit or " ")


def _unknown(key: str, known: set[str]) -> CloudFilesOptionError:
    close = difflib.get_close_matches(key, sorted(known), n=1, cutoff=0.75)
    hint = f"did you mean {_CANONICAL.get(close[0], close[0])}? " if close else ""
    return CloudFilesOptionError(
        f"Unknown option {key!r} for the cloudFiles source.",
        fix=f"{hint}see the supported options in {OPTIONS_DOC} (names are case-insensitive).",
    )


def parse_options(options: Mapping[str, str], *, user_schema: bool) -> AutoLoaderOptions:
    """Check the reader options of a ``cloudFiles`` stream and resolve Databricks' defaults.

    Args:
        options: the options given to ``spark.readStream`` (keys in any case), plus ``path``.
        user_schema: True when the stream was given a schema with ``.schema(...)``.

    Returns:
        A frozen :class:`AutoLoaderOptions`.

    Raises:
        CloudFilesOptionError: an option is unknown, unsupported locally, missing or invalid.

    Example:
        >>> parse_options({"cloudFiles.format": "csv", "path": "/in", "header": "true"},
        ...               user_schema=True).evolution_mode
        'none'
    """
    if not isinstance(options, Mapping):
        raise CloudFilesOptionError(f"options must be a mapping, got {type(options).__name__}.")
    opts = {str(k).lower(): str(v) for k, v in options.items()}
    for key in opts:
        if key.startswith("cloudfiles."):
            if key in _DATABRICKS_ONLY_CF:
                raise CloudFilesOptionError(
                    f"Option {key!r} is a Databricks Auto Loader option that the local cloudFiles "
                    "source does not support (it needs cloud services or runs only on Databricks).",
                    fix="remove it for local runs; locally files are found by directory listing.")
            if key not in _SUPPORTED_CF:
                raise _unknown(key, _SUPPORTED_CF | _DATABRICKS_ONLY_CF)
        elif key not in _SUPPORTED_OTHER:
            raise CloudFilesOptionError(
                f"Option {key!r} is not supported by the local cloudFiles source.",
                fix=f"remove it, or use one of: {', '.join(sorted(_SUPPORTED_OTHER))} and the "
                    f"cloudFiles.* options of {OPTIONS_DOC}.")

    fmt = opts.get("cloudfiles.format")
    if fmt is None:
        raise CloudFilesOptionError("Option cloudFiles.format is required.",
                                    fix="add .option('cloudFiles.format', 'json') (or csv, parquet, text).")
    fmt = fmt.strip().lower()
    if fmt in ("avro", "orc", "xml"):
        raise CloudFilesOptionError(f"cloudFiles.format={fmt!r} is not supported locally.",
                                    fix="convert the files to json, csv or parquet for local runs.")
    if fmt not in FORMATS:
        raise CloudFilesOptionError(f"cloudFiles.format={fmt!r} is not a file format.",
                                    fix=f"use one of {', '.join(FORMATS)}.")
    path = opts.get("path")
    if not path:
        raise CloudFilesOptionError("No input path was given to the cloudFiles source.",
                                    fix="pass the landing folder to .load('<path>').")
    for key, good in (("cloudfiles.allowoverwrites", "false"), ("cloudfiles.usenotifications", "false"),
                      ("cloudfiles.uselisting", "true")):
        if key in opts and _bool(key, opts[key]) != (good == "true"):
            raise CloudFilesOptionError(
                f"Option {_CANONICAL[key]}={opts[key]} is not supported locally.",
                fix=f"remove it (locally Auto Loader lists the folder and processes each file once).")
    if "cloudfiles.validateoptions" in opts:
        _bool("cloudfiles.validateoptions", opts["cloudfiles.validateoptions"])
    mode = opts.get("mode", "PERMISSIVE").strip().upper()
    if mode != "PERMISSIVE":
        raise CloudFilesOptionError(f"Option mode={mode!r} is not supported locally.",
                                    fix="remove it: records that do not fit are rescued (PERMISSIVE).")
    encoding = opts.get("encoding", opts.get("charset", "UTF-8")).strip().lower().replace("_", "-")
    if encoding not in ("utf-8", "utf8"):
        raise CloudFilesOptionError(f"Option encoding={encoding!r} is not supported locally.",
                                    fix="convert the files to UTF-8.")
    if "linesep" in opts and opts["linesep"] not in ("\n", "\r\n"):
        raise CloudFilesOptionError("Option lineSep is only supported as '\\n' locally.", fix="remove it.")
    if "recursivefilelookup" in opts:
        _bool("recursivefilelookup", opts["recursivefilelookup"])  # Auto Loader always lists recursively

    schema_location = opts.get("cloudfiles.schemalocation") or None
    mode_key = "cloudfiles.schemaevolutionmode"
    evolution = opts.get(mode_key)
    if evolution is not None:
        match = [m for m in EVOLUTION_MODES if m.lower() == evolution.strip().lower()]
        if not match:
            raise CloudFilesOptionError(f"cloudFiles.schemaEvolutionMode={evolution!r} is not a mode.",
                                        fix=f"use one of {', '.join(EVOLUTION_MODES)} ({SCHEMA_DOC}).")
        evolution = match[0]
    fixed_schema = fmt in ("text", "binaryfile")
    if user_schema or fixed_schema:
        evolution = evolution or "none"
        if evolution == "addNewColumns" and not fixed_schema:
            raise CloudFilesOptionError(
                "cloudFiles.schemaEvolutionMode=addNewColumns cannot be used with a schema given "
                "by .schema(...).",
                fix="drop .schema(...) to let Auto Loader infer and evolve it, or use 'rescue' / 'none'.")
    else:
        evolution = evolution or "addNewColumns"
        if schema_location is None:
            raise CloudFilesOptionError(
                "Schema inference needs cloudFiles.schemaLocation (where Auto Loader keeps the "
                "inferred schema and its versions).",
                fix="add .option('cloudFiles.schemaLocation', '<folder>') (the checkpoint folder is "
                    "fine), or give a schema with .schema(...).")

    rescued = opts.get("rescueddatacolumn")
    if rescued is not None and not rescued.strip():
        raise CloudFilesOptionError("Option rescuedDataColumn is empty.", fix="give a column name, e.g. '_rescued_data'.")
    # "none": new columns are ignored and data is not rescued unless rescuedDataColumn is set
    # (https://docs.databricks.com/aws/en/ingestion/cloud-object-storage/auto-loader/schema).
    if rescued is None and not fixed_schema and evolution != "none" and (not user_schema or evolution == "rescue"):
        rescued = DEFAULT_RESCUED_COLUMN
    if fixed_schema:
        rescued = None

    max_files = DEFAULT_MAX_FILES
    if "cloudfiles.maxfilespertrigger" in opts:
        max_files = _positive_int("cloudfiles.maxfilespertrigger", opts["cloudfiles.maxfilespertrigger"])
    max_bytes = None
    if "cloudfiles.maxbytespertrigger" in opts:
        max_bytes = parse_byte_size(opts["cloudfiles.maxbytespertrigger"])

    sep = opts.get("sep", opts.get("delimiter", ","))
    sep = {"\\t": "\t"}.get(sep, sep)
    if len(sep) != 1:
        raise CloudFilesOptionError(f"Option sep={sep!r} must be a single character locally.",
                                    fix="use e.g. ',' ';' '|' or '\\t'.")
    quote = opts.get("quote", '"')
    if len(quote) != 1:
        raise CloudFilesOptionError(f"Option quote={quote!r} must be a single character.", fix="e.g. '\"'.")
    escape = opts.get("escape")
    if escape is not None and len(escape) != 1:
        raise CloudFilesOptionError(f"Option escape={escape!r} must be a single character.", fix="e.g. '\\\\'.")
    multiline = _bool("multiline", opts["multiline"]) if "multiline" in opts else False
    if multiline and fmt != "json":
        raise CloudFilesOptionError(f"Option multiLine is only supported for json locally, not {fmt}.",
                                    fix="remove it, or write one record per line.")
    return AutoLoaderOptions(
        path=path,
        format=fmt,
        schema_location=schema_location,
        infer_column_types=_bool("cloudfiles.infercolumntypes", opts["cloudfiles.infercolumntypes"])
        if "cloudfiles.infercolumntypes" in opts else False,
        schema_hints=opts.get("cloudfiles.schemahints") or None,
        evolution_mode=evolution,
        rescued_column=rescued.strip() if rescued else None,
        max_files=max_files,
        max_bytes=max_bytes,
        include_existing=_bool("cloudfiles.includeexistingfiles", opts["cloudfiles.includeexistingfiles"])
        if "cloudfiles.includeexistingfiles" in opts else True,
        user_schema=user_schema,
        header=_bool("header", opts["header"]) if "header" in opts else False,
        sep=sep,
        quote=quote,
        escape=escape,
        multiline=multiline,
        path_glob=opts.get("pathglobfilter") or None,
    )
