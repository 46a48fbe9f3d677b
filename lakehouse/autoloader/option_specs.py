"""The registry of every option Databricks documents for Auto Loader, and what it does locally.

One :class:`OptionSpec` per documented option: where it applies (``common`` Auto Loader
options, ``generic`` file-source options, or a file format), and whether the local
``cloudFiles`` source supports it, supports it with a difference, or refuses it (and why).
:func:`lakehouse.autoloader.options.parse_options` checks options against it and
``docs/AUTO_LOADER_OPTIONS.md`` is generated from it (:mod:`.options_doc`).

Sources: https://docs.databricks.com/aws/en/ingestion/cloud-object-storage/auto-loader/options
(Auto Loader, generic and per-format options) and the Spark data source option pages
(https://spark.apache.org/docs/latest/sql-data-sources-csv.html, ...-json.html, ...-text.html).

Example:
    >>> spec("ALLOWCOMMENTS").name, spec("allowComments").scope
    ('allowComments', 'json')
    >>> spec("cloudFiles.queueUrl").status
    'not supported'
"""

from __future__ import annotations

from dataclasses import dataclass

SUPPORTED, DIFFERS, NOT_SUPPORTED = "supported", "differs", "not supported"
SCOPES = ("common", "generic", "json", "csv", "text", "parquet", "orc", "binaryfile")


# Value types (how :func:`lakehouse.autoloader.options.parse_options` reads the text given).
BOOL, CHAR, COUNT, POSITIVE = "boolean", "character", "integer >= 0", "integer > 0"
BYTES, TIMESTAMP, TEXT, COLUMNS = "byte size", "timestamp", "string", "column names"
CHARSET, PARSER_MODE, LOCALE = "character set", "parser mode", "locale"
FORMAT, EVOLUTION_MODE, COLUMN = "file format", "schema evolution mode", "column name"
TYPES = (BOOL, CHAR, COUNT, POSITIVE, BYTES, TIMESTAMP, TEXT, COLUMNS, CHARSET, PARSER_MODE, LOCALE, FORMAT,
         EVOLUTION_MODE, COLUMN)


@dataclass(frozen=True)
class OptionSpec:
    """One documented option: canonical name, where it applies, local status and note, and its value.

    ``type`` says how the text given is read (a :data:`TYPES` entry; empty for an option that
    is refused), ``default`` is the text used when the option is not given (None: unset),
    ``field`` is the :class:`~lakehouse.autoloader.options.AutoLoaderOptions` setting it fills
    (empty when ``parse_options`` resolves it with other options, or it changes nothing
    locally), and ``fixed`` means only the default works locally.
    """

    name: str
    scope: str  # a SCOPES entry; format scopes may list several: "json,csv"
    status: str
    note: str = ""
    aliases: tuple[str, ...] = ()
    type: str = ""
    default: str | None = None
    field: str = ""
    fixed: bool = False

    def formats(self) -> tuple[str, ...]:
        """The formats this option applies to (empty for common / generic options)."""
        if self.scope in ("common", "generic"):
            return ()
        return tuple(self.scope.split(","))


JSON_FLAGS = "json_flags"  # the field of Spark's JSON parser switches: the set of those that are on

_CLOUD = "needs a cloud queue or cloud credentials; locally files are found by listing the folder"
_S = SUPPORTED
_D = DIFFERS
_N = NOT_SUPPORTED

SPECS: tuple[OptionSpec, ...] = (
    # ---- common Auto Loader options ------------------------------------------------------
    OptionSpec("cloudFiles.allowOverwrites", "common", _D, "only `false` (the default): each file is read once",
               type=BOOL, default="false", fixed=True),
    OptionSpec("cloudFiles.backfillInterval", "common", _N, "backfills exist for file notifications; listing sees every file"),
    OptionSpec("cloudFiles.cleanSource", "common", _N, "files are never moved or deleted locally"),
    OptionSpec("cloudFiles.cleanSource.retentionDuration", "common", _N, "see cloudFiles.cleanSource"),
    OptionSpec("cloudFiles.cleanSource.moveDestination", "common", _N, "see cloudFiles.cleanSource"),
    OptionSpec("cloudFiles.format", "common", _D,
               "json, csv, text, parquet, binaryFile, orc (orc needs `.schema(...)`, as on Databricks); "
               "avro and xml are refused: no Arrow reader in this environment", type=FORMAT),
    OptionSpec("cloudFiles.includeExistingFiles", "common", _S, type=BOOL, default="true", field="include_existing"),
    OptionSpec("cloudFiles.inferColumnTypes", "common", _S, type=BOOL, default="false", field="infer_column_types"),
    OptionSpec("cloudFiles.maxBytesPerTrigger", "common", _S, type=BYTES, field="max_bytes"),
    OptionSpec("cloudFiles.maxFileAge", "common", _N, "the local file log is small; files are never expired"),
    OptionSpec("cloudFiles.maxFilesPerTrigger", "common", _S, type=POSITIVE, default="1000", field="max_files"),
    OptionSpec("cloudFiles.partitionColumns", "common", _D,
               "values are read from `key=value` folders; without schema hints they are strings",
               type=COLUMNS, field="partition_columns"),
    OptionSpec("cloudFiles.schemaEvolutionMode", "common", _S, "`none` when a schema is given with `.schema(...)`",
               type=EVOLUTION_MODE, default="addNewColumns"),
    OptionSpec("cloudFiles.schemaHints", "common", _S, "top-level, struct (`a.b`), `element`, `key` and `value` hints",
               type=TEXT, field="schema_hints"),
    OptionSpec("cloudFiles.schemaLocation", "common", _D,
               "also holds the stream's file log (`_cloudfiles/`), which Databricks keeps in the checkpoint",
               type=TEXT, field="schema_location"),
    OptionSpec("cloudFiles.useStrictGlobber", "common", _N, "locally Python's glob rules apply to the path"),
    OptionSpec("cloudFiles.validateOptions", "common", _D, "accepted; options are always validated", type=BOOL,
               default="true"),
    OptionSpec("cloudFiles.useIncrementalListing", "common", _N, "the folder is listed in full each trigger"),
    OptionSpec("cloudFiles.useListing", "common", _D, "only `true`: listing is the only discovery mode",
               type=BOOL, default="true", fixed=True),
    OptionSpec("cloudFiles.useManagedFileEvents", "common", _N, _CLOUD),
    OptionSpec("cloudFiles.useNotifications", "common", _D, f"only `false`: {_CLOUD}", type=BOOL, default="false",
               fixed=True),
    OptionSpec("cloudFiles.fetchParallelism", "common", _N, _CLOUD),
    OptionSpec("cloudFiles.pathRewrites", "common", _N, _CLOUD),
    OptionSpec("cloudFiles.resourceTag", "common", _N, _CLOUD),
    *(OptionSpec(f"cloudFiles.{n}", "common", _N, _CLOUD) for n in (
        "region", "queueUrl", "roleArn", "roleExternalId", "roleSessionName", "stsEndpoint",
        "connectionString", "resourceGroup", "subscriptionId", "tenantId", "clientId", "clientSecret",
        "queueName", "client", "clientEmail", "privateKey", "privateKeyId", "projectId", "subscription",
        "topicName", "databricksServiceCredential")),
    # ---- generic file-source options ---------------------------------------------------
    OptionSpec("ignoreCorruptFiles", "generic", _D, "a file that cannot be read at all is skipped when true",
               type=BOOL, default="false", field="ignore_corrupt_files"),
    OptionSpec("ignoreMissingFiles", "generic", _S, "default true for Auto Loader, as documented", type=BOOL,
               default="true", field="ignore_missing_files"),
    OptionSpec("modifiedAfter", "generic", _S, "timestamp `YYYY-MM-DDTHH:mm:ss`, read as UTC (the session time zone)",
               type=TIMESTAMP, field="modified_after_ms"),
    OptionSpec("modifiedBefore", "generic", _S, "as modifiedAfter", type=TIMESTAMP, field="modified_before_ms"),
    OptionSpec("pathGlobFilter", "generic", _S, aliases=("fileNamePattern",), type=TEXT, field="path_glob"),
    OptionSpec("recursiveFileLookup", "generic", _D, "accepted; Auto Loader always lists sub-folders", type=BOOL,
               default="false"),
    # ---- JSON and CSV ------------------------------------------------------------------
    OptionSpec("badRecordsPath", "json,csv", _N, "use the rescued data column (or mode FAILFAST)"),
    OptionSpec("columnNameOfCorruptRecord", "json,csv", _N,
               "malformed records are kept in the rescued data column under `_corrupt_record`"),
    OptionSpec("dateFormat", "json,csv", _D, "common Java patterns (y M d H h m s S a, quoted text); no locale names",
               type=TEXT, field="date_format"),
    OptionSpec("encoding", "json,csv,text", _S, "Spark 4's list (UTF-8, ISO-8859-1, US-ASCII, UTF-16/32); "
               "json needs lineSep with a non-UTF-8 encoding, as in Spark; a UTF-8 byte-order mark is skipped",
               aliases=("charset",), type=CHARSET, default="UTF-8", field="encoding"),
    OptionSpec("lineSep", "json,csv,text", _D, "`\\n`, `\\r\\n` or `\\r` for csv; any string for json and text",
               type=TEXT, field="line_sep"),
    OptionSpec("locale", "json,csv", _D, "only en-US (the default)", type=LOCALE, default="en-US", fixed=True),
    OptionSpec("mode", "json,csv", _S, "PERMISSIVE, DROPMALFORMED, FAILFAST; type mismatches are rescued, "
                                       "not malformed, while a rescued data column exists",
               type=PARSER_MODE, default="PERMISSIVE", field="mode"),
    OptionSpec("multiLine", "json,csv", _S, type=BOOL, default="false", field="multiline"),
    OptionSpec("readerCaseSensitive", "json,csv,parquet,orc", _S, type=BOOL, default="true",
               field="reader_case_sensitive"),
    OptionSpec("rescuedDataColumn", "json,csv,parquet,orc", _S,
               "set by default while the schema is inferred (or with schemaEvolutionMode `rescue`)",
               type=COLUMN, default="_rescued_data"),
    OptionSpec("timestampFormat", "json,csv", _D, "as dateFormat; without it ISO 8601 text is parsed", type=TEXT,
               field="timestamp_format"),
    OptionSpec("timeZone", "json,csv", _N, "timestamps without offset are read as UTC (the session time zone)"),
    # ---- JSON --------------------------------------------------------------------------
    OptionSpec("allowBackslashEscapingAnyCharacter", "json", _S, type=BOOL, default="false", field=JSON_FLAGS),
    OptionSpec("allowComments", "json", _S, type=BOOL, default="false", field=JSON_FLAGS),
    OptionSpec("allowNonNumericNumbers", "json", _S, type=BOOL, default="true", field=JSON_FLAGS),
    OptionSpec("allowNumericLeadingZeros", "json", _S, type=BOOL, default="false", field=JSON_FLAGS),
    OptionSpec("allowSingleQuotes", "json", _S, type=BOOL, default="true", field=JSON_FLAGS),
    OptionSpec("allowUnquotedControlChars", "json", _S, type=BOOL, default="false", field=JSON_FLAGS),
    OptionSpec("allowUnquotedFieldNames", "json", _S, type=BOOL, default="false", field=JSON_FLAGS),
    OptionSpec("dropFieldIfAllNull", "json", _S, type=BOOL, default="false", field="drop_field_if_all_null"),
    OptionSpec("inferTimestamp", "json", _N, "timestamps stay strings during inference; hint them instead"),
    OptionSpec("prefersDecimal", "json", _N, "floating point values are inferred as double; hint decimals instead"),
    OptionSpec("primitivesAsString", "json", _S, type=BOOL, default="false", field="primitives_as_string"),
    OptionSpec("singleVariantColumn", "json", _N, "VARIANT output is not built locally"),
    # ---- CSV ---------------------------------------------------------------------------
    OptionSpec("charToEscapeQuoteEscaping", "csv", _N, "the CSV parser (pyarrow) has one escape character"),
    OptionSpec("comment", "csv", _S, type=CHAR, field="comment"),
    OptionSpec("emptyValue", "csv", _N, "an empty field, quoted or not, reads as null (Spark's default)"),
    OptionSpec("enforceSchema", "csv", _D, "only `true` (the default): columns are taken by position", type=BOOL,
               default="true", fixed=True),
    OptionSpec("escape", "csv", _S, type=CHAR, default="\\", field="escape"),
    OptionSpec("header", "csv", _S, "`true` when Auto Loader infers the schema (no `.schema(...)`), as Databricks "
               "assumes headers then", type=BOOL, default="false", field="header"),
    OptionSpec("ignoreLeadingWhiteSpace", "csv", _D, "also trims inside quoted values", type=BOOL, default="false",
               field="trim_leading"),
    OptionSpec("ignoreTrailingWhiteSpace", "csv", _D, "also trims inside quoted values", type=BOOL, default="false",
               field="trim_trailing"),
    OptionSpec("inferSchema", "csv", _N, "use cloudFiles.inferColumnTypes, as Auto Loader documents"),
    OptionSpec("maxCharsPerColumn", "csv", _N, "no per-value limit locally"),
    OptionSpec("maxColumns", "csv", _N, "no column limit locally"),
    OptionSpec("mergeSchema", "csv,parquet,orc", _D, "accepted; Auto Loader merges the schemas of the sampled files",
               type=BOOL, default="false"),
    OptionSpec("nanValue", "csv", _S, type=TEXT, default="NaN", field="nan_value"),
    OptionSpec("negativeInf", "csv", _S, type=TEXT, default="-Inf", field="negative_inf"),
    OptionSpec("nullValue", "csv", _S, type=TEXT, default="", field="null_value"),
    OptionSpec("parserCaseSensitive", "csv", _N, "deprecated by Databricks: use readerCaseSensitive"),
    OptionSpec("positiveInf", "csv", _S, type=TEXT, default="Inf", field="positive_inf"),
    OptionSpec("preferDate", "csv", _N, "inferred date-like values stay dates (Spark's default); not switchable"),
    OptionSpec("quote", "csv", _S, type=CHAR, default='"', field="quote"),
    OptionSpec("sep", "csv", _S, "one character", aliases=("delimiter",), type=CHAR, default=",", field="sep"),
    OptionSpec("skipRows", "csv", _S, type=COUNT, default="0", field="skip_rows"),
    OptionSpec("unescapedQuoteHandling", "csv", _N, "the CSV parser (pyarrow) has one rule for stray quotes"),
    # ---- parquet / text ----------------------------------------------------------------
    OptionSpec("datetimeRebaseMode", "parquet", _N, "values are read as stored (CORRECTED)"),
    OptionSpec("int96RebaseMode", "parquet", _N, "values are read as stored (CORRECTED)"),
    OptionSpec("wholeText", "text", _S, type=BOOL, default="false", field="whole_text"),
)

_BY_KEY: dict[str, OptionSpec] = {}
for _spec in SPECS:
    for _key in (_spec.name, *_spec.aliases):
        _BY_KEY[_key.lower()] = _spec


def spec(key: str) -> OptionSpec | None:
    """The registry entry for an option name or alias (any case), or None when undocumented."""
    return _BY_KEY.get(str(key).lower())


def all_keys() -> list[str]:
    """Every documented option name and alias, lower-case (for 'did you mean' hints)."""
    return sorted(_BY_KEY)
