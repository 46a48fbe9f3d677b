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
from dataclasses import dataclass, replace

from .errors import CloudFilesOptionError
from .option_specs import (BOOL, BYTES, CHAR, CHARSET, COLUMNS, COUNT, JSON_FLAGS, LOCALE, NOT_SUPPORTED, PARSER_MODE,
                           POSITIVE, SPECS, TEXT, TIMESTAMP, OptionSpec, all_keys, spec)

OPTIONS_DOC = "https://docs.databricks.com/aws/en/ingestion/cloud-object-storage/auto-loader/options"
SCHEMA_DOC = "https://docs.databricks.com/aws/en/ingestion/cloud-object-storage/auto-loader/schema"

FORMATS = ("json", "csv", "parquet", "text", "binaryfile", "orc")
EVOLUTION_MODES = ("addNewColumns", "rescue", "failOnNewColumns", "none")
PARSE_MODES = ("PERMISSIVE", "DROPMALFORMED", "FAILFAST")


def _name(key: str) -> str:
    """The documented spelling of an option key given in any case."""
    found = spec(key)
    return found.name if found else key


@dataclass(frozen=True)
class AutoLoaderOptions:
    """The checked settings of one ``cloudFiles`` stream (see :func:`parse_options`).

    The settings an option fills (its ``field`` in :mod:`.option_specs`) take the option's
    default from there when it is not given.
    """

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
    header: bool
    sep: str
    quote: str
    escape: str | None
    multiline: bool
    path_glob: str | None
    encoding: str
    line_sep: str | None
    mode: str
    reader_case_sensitive: bool
    null_value: str
    comment: str | None
    skip_rows: int
    trim_leading: bool
    trim_trailing: bool
    nan_value: str
    positive_inf: str
    negative_inf: str
    date_format: str | None
    timestamp_format: str | None
    whole_text: bool
    json_flags: frozenset  # the JSON parser switches that are on (Spark's JSONOptions names, lower case)
    primitives_as_string: bool
    drop_field_if_all_null: bool
    partition_columns: tuple[str, ...] | None  # None: infer from key=value folders
    modified_after_ms: int | None
    modified_before_ms: int | None
    ignore_missing_files: bool
    ignore_corrupt_files: bool


def _bool(key: str, value: str) -> bool:
    text = str(value).strip().lower()
    if text in ("true", "false"):
        return text == "true"
    raise CloudFilesOptionError(f"Option {_name(key)}={value!r} is not a boolean.",
                                fix="use 'true' or 'false'.")


def _positive_int(key: str, value: str, *, zero: bool = False) -> int:
    text = str(value).strip()
    if text.isdigit() and (int(text) > 0 or zero):
        return int(text)
    raise CloudFilesOptionError(f"Option {_name(key)}={value!r} is not a {'non-negative' if zero else 'positive'} "
                                "integer.", fix="use a whole number, e.g. '1000'.")


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


def _unknown(key: str) -> CloudFilesOptionError:
    close = difflib.get_close_matches(key, all_keys(), n=1, cutoff=0.75)
    hint = f"did you mean {_name(close[0])}? " if close else ""
    return CloudFilesOptionError(
        f"Unknown option {key!r} for the cloudFiles source.",
        fix=f"{hint}see the supported options in {OPTIONS_DOC} (names are case-insensitive).",
    )


def _check_known(opts: dict[str, str], fmt: str | None) -> None:
    """Every key is documented, available locally and meant for ``fmt``."""
    for key in opts:
        if key == "path":
            continue
        found = spec(key)
        if found is None:
            raise _unknown(key)
        if found.status == NOT_SUPPORTED:
            raise CloudFilesOptionError(
                f"Option {found.name!r} ({key}) is a Databricks Auto Loader option that the local cloudFiles "
                f"source does not support: {found.note}.",
                fix="remove it for local runs (see docs/AUTO_LOADER_OPTIONS.md).")
        if fmt is not None and found.formats() and fmt not in found.formats():
            raise CloudFilesOptionError(
                f"Option {found.name!r} applies to {' / '.join(found.formats())} files, not to "
                f"cloudFiles.format={fmt!r}.", fix=f"remove it ({OPTIONS_DOC}).")


def _timestamp_ms(key: str, value: str) -> int:
    import datetime as dt

    try:
        stamp = dt.datetime.fromisoformat(value.strip())
    except ValueError:
        raise CloudFilesOptionError(f"Option {_name(key)}={value!r} is not a timestamp.",
                                    fix="use the form YYYY-MM-DDTHH:mm:ss, e.g. '2024-06-01T13:00:00'.") from None
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=dt.timezone.utc)
    return int(stamp.timestamp() * 1000)


def _char(key: str, value: str) -> str:
    value = {"\\t": "\t", "\\n": "\n"}.get(value, value)
    if len(value) != 1:
        raise CloudFilesOptionError(f"Option {_name(key)}={value!r} must be a single character.",
                                    fix="use one character, e.g. ',' ';' '|' or '\\t'.")
    return value


# The character sets Spark 4 readers accept (CharsetProvider), as Python codec names.
CHARSETS = {"utf-8": "utf-8", "iso-8859-1": "iso8859-1", "us-ascii": "ascii", "utf-16": "utf-16",
            "utf-16be": "utf-16-be", "utf-16le": "utf-16-le", "utf-32": "utf-32"}


def _encoding(key: str, value: str) -> str:
    name = value.strip()
    codec = CHARSETS.get(name.lower())
    if codec is None:
        raise CloudFilesOptionError(
            f"Option encoding={name!r} is not a character set Spark reads.",
            fix=f"use one of {', '.join(sorted(CHARSETS))} (Spark's list), e.g. 'ISO-8859-1' for Latin-1.")
    return codec


def _parser_mode(key: str, value: str) -> str:
    mode = value.strip().upper()
    if mode not in PARSE_MODES:
        raise CloudFilesOptionError(f"Option mode={mode!r} is not a parser mode.",
                                    fix=f"use one of {', '.join(PARSE_MODES)}.")
    return mode


# How the text of an option of each value type is read (types of option_specs).
_PARSERS = {
    BOOL: _bool,
    CHAR: _char,
    COUNT: lambda key, value: _positive_int(key, value, zero=True),
    POSITIVE: _positive_int,
    BYTES: lambda key, value: parse_byte_size(value),
    TIMESTAMP: _timestamp_ms,
    TEXT: lambda key, value: value,
    COLUMNS: lambda key, value: tuple(p.strip() for p in value.split(",") if p.strip()),
    CHARSET: _encoding,
    PARSER_MODE: _parser_mode,
    LOCALE: lambda key, value: value.strip().replace("_", "-").lower(),
}


def _given(opts: dict[str, str], option: OptionSpec) -> str | None:
    """The text given for ``option`` (under its name or an alias), or None."""
    return next((opts[k.lower()] for k in (option.name, *option.aliases) if k.lower() in opts), None)


def _settings(opts: dict[str, str]) -> dict:
    """Every setting an option fills, from the text given or the option's default (:mod:`.option_specs`).

    Each option given is checked against its type, also when it fills no setting; an option of
    which only the default works locally (``fixed``) is refused with another value.
    """
    settings: dict = {JSON_FLAGS: set()}
    for option in SPECS:
        read = _PARSERS.get(option.type)
        if read is None:
            continue
        given = _given(opts, option)
        text = option.default if given is None else given
        value = None if text is None else read(option.name, text)
        if option.type == TEXT and option.default is None and value == "":
            value = None  # an empty string leaves an optional setting unset
        if option.fixed and given is not None and value != read(option.name, option.default):
            raise CloudFilesOptionError(f"Option {option.name}={given} is not supported locally.",
                                        fix="remove it (see docs/AUTO_LOADER_OPTIONS.md).")
        if option.field == JSON_FLAGS:
            if value:
                settings[JSON_FLAGS].add(option.name.lower())
        elif option.field:
            settings[option.field] = value
    settings[JSON_FLAGS] = frozenset(settings[JSON_FLAGS])
    return settings


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
    fmt = opts.get("cloudfiles.format")
    _check_known(opts, None)
    if fmt is None:
        raise CloudFilesOptionError("Option cloudFiles.format is required.",
                                    fix="add .option('cloudFiles.format', 'json') (or csv, parquet, text).")
    fmt = fmt.strip().lower()
    if fmt in ("avro", "xml"):
        raise CloudFilesOptionError(
            f"cloudFiles.format={fmt!r} is not supported locally (no Arrow reader for {fmt} files here).",
            fix="convert the files to json, csv or parquet for local runs (see docs/AUTO_LOADER_OPTIONS.md).")
    if fmt not in FORMATS:
        raise CloudFilesOptionError(f"cloudFiles.format={fmt!r} is not a file format.",
                                    fix=f"use one of {', '.join(FORMATS)}.")
    _check_known(opts, fmt)
    path = opts.get("path")
    if not path:
        raise CloudFilesOptionError("No input path was given to the cloudFiles source.",
                                    fix="pass the landing folder to .load('<path>').")
    settings = _settings(opts)
    if fmt == "csv" and not user_schema and _given(opts, spec("header")) is None:
        # "When inferring the schema for CSV files, Auto Loader assumes that the files contain headers"
        # (https://docs.databricks.com/aws/en/ingestion/cloud-object-storage/auto-loader/schema);
        # .option("header", "false") reads headerless files as _c0, _c1, ...
        settings["header"] = True
    line_sep = _given(opts, spec("lineSep"))
    if line_sep is not None and (not line_sep or (fmt == "csv" and line_sep not in ("\n", "\r\n", "\r"))):
        raise CloudFilesOptionError(f"Option lineSep={line_sep!r} is not supported locally for {fmt}.",
                                    fix="remove it (lines end with \\n, \\r\\n or \\r by default).")
    if fmt == "json" and settings["encoding"] != "utf-8" and line_sep is None and not settings["multiline"]:
        raise CloudFilesOptionError(  # Spark's JSONOptionsInRead.checkedEncoding
            f"Option lineSep must be given with encoding={_given(opts, spec('encoding'))!r} for json.",
            fix="add .option('lineSep', '\\n'), or multiLine=true.")

    evolution = _given(opts, spec("cloudFiles.schemaEvolutionMode"))
    if evolution is not None:
        match = [m for m in EVOLUTION_MODES if m.lower() == evolution.strip().lower()]
        if not match:
            raise CloudFilesOptionError(f"cloudFiles.schemaEvolutionMode={evolution!r} is not a mode.",
                                        fix=f"use one of {', '.join(EVOLUTION_MODES)} ({SCHEMA_DOC}).")
        evolution = match[0]
    fixed_schema = fmt in ("text", "binaryfile")
    if fmt == "orc" and not user_schema:
        raise CloudFilesOptionError(
            "cloudFiles.format='orc' needs a schema: Databricks does not infer ORC schemas "
            f"({SCHEMA_DOC}).", fix="give the schema with .schema('col type, ...').")
    if user_schema or fixed_schema:
        evolution = evolution or "none"
        if evolution == "addNewColumns" and not fixed_schema:
            raise CloudFilesOptionError(
                "cloudFiles.schemaEvolutionMode=addNewColumns cannot be used with a schema given "
                "by .schema(...).",
                fix="drop .schema(...) to let Auto Loader infer and evolve it, or use 'rescue' / 'none'.")
    else:
        evolution = evolution or spec("cloudFiles.schemaEvolutionMode").default
        if settings["schema_location"] is None:
            raise CloudFilesOptionError(
                "Schema inference needs cloudFiles.schemaLocation (where Auto Loader keeps the "
                "inferred schema and its versions).",
                fix="add .option('cloudFiles.schemaLocation', '<folder>') (the checkpoint folder is "
                    "fine), or give a schema with .schema(...).")

    rescued = _given(opts, spec("rescuedDataColumn"))
    if rescued is not None and not rescued.strip():
        raise CloudFilesOptionError("Option rescuedDataColumn is empty.", fix="give a column name, e.g. '_rescued_data'.")
    # "none": new columns are ignored and data is not rescued unless rescuedDataColumn is set
    # (https://docs.databricks.com/aws/en/ingestion/cloud-object-storage/auto-loader/schema).
    if rescued is None and not fixed_schema and evolution != "none" and (not user_schema or evolution == "rescue"):
        rescued = spec("rescuedDataColumn").default
    if fixed_schema:
        rescued = None
    return AutoLoaderOptions(path=path, format=fmt, evolution_mode=evolution, user_schema=user_schema,
                             rescued_column=rescued.strip() if rescued else None, **settings)


def reader_options(fmt: str, **changes) -> AutoLoaderOptions:
    """Parser settings for ``fmt`` with Spark's defaults, changed by keyword (tests, tools).

    Example:
        >>> reader_options("csv", header=True).header, reader_options("csv").escape
        (True, '\\\\')
    """
    base = AutoLoaderOptions(path="/", format=fmt, evolution_mode="none", rescued_column=None, user_schema=True,
                             **_settings({}))
    return replace(base, **changes)
