"""``cloudFiles.schemaHints``: parse a DDL column list and apply it to an inferred schema.

Hints override the inferred type of a column or add a column that the sample did not show
(https://docs.databricks.com/aws/en/ingestion/cloud-object-storage/auto-loader/schema,
"Override schema inference with schema hints"). Locally hints name top-level columns;
a nested hint (``a.b int``) raises a clear error.

Example:
    >>> parse_ddl_columns("id bigint, tags map<string,string>")[1][1].simpleString()
    'map<string,string>'
"""

from __future__ import annotations

import re

from pyspark.sql.types import (
    ArrayType, BinaryType, BooleanType, ByteType, DataType, DateType, DecimalType, DoubleType,
    FloatType, IntegerType, LongType, MapType, ShortType, StringType, StructField, StructType,
    TimestampNTZType, TimestampType,
)

from .errors import SchemaInferenceError

_PRIMITIVES = {
    "string": StringType, "varchar": StringType, "char": StringType, "int": IntegerType,
    "integer": IntegerType, "bigint": LongType, "long": LongType, "smallint": ShortType,
    "short": ShortType, "tinyint": ByteType, "byte": ByteType, "double": DoubleType,
    "float": FloatType, "real": FloatType, "boolean": BooleanType, "bool": BooleanType,
    "date": DateType, "timestamp": TimestampType, "timestamp_ltz": TimestampType,
    "timestamp_ntz": TimestampNTZType, "binary": BinaryType,
}
_TOKEN = re.compile(r"\s*(`(?:[^`]|``)+`|[A-Za-z_][A-Za-z0-9_.$]*|\d+|'[^']*'|[<>(),:])")


def _tokens(text: str) -> list[str]:
    pos, out = 0, []
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        match = _TOKEN.match(text, pos)
        if not match:
            raise SchemaInferenceError(f"cloudFiles.schemaHints: cannot read {text[pos:]!r}.",
                                       fix="write hints as 'col type, col2 type', e.g. 'id bigint, ts timestamp'.")
        out.append(match.group(1))
        pos = match.end()
    return out


class _Parser:
    def __init__(self, text: str):
        self.text = text
        self.toks = _tokens(text)
        self.i = 0

    def peek(self) -> str | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def take(self, expected: str | None = None) -> str:
        tok = self.peek()
        if tok is None or (expected is not None and tok.lower() != expected):
            want = f"{expected!r}" if expected else "more text"
            raise SchemaInferenceError(f"cloudFiles.schemaHints {self.text!r}: expected {want}, found {tok!r}.",
                                       fix="check the brackets and commas, e.g. 'tags map<string,string>'.")
        self.i += 1
        return tok

    def name(self) -> str:
        tok = self.take()
        return tok[1:-1].replace("``", "`") if tok.startswith("`") else tok

    def data_type(self) -> DataType:
        word = self.take().lower()
        if word == "array":
            self.take("<")
            element = self.data_type()
            self.take(">")
            return ArrayType(element)
        if word == "map":
            self.take("<")
            key = self.data_type()
            self.take(",")
            value = self.data_type()
            self.take(">")
            return MapType(key, value)
        if word == "struct":
            self.take("<")
            fields = []
            while self.peek() != ">":
                name = self.name()
                if self.peek() == ":":
                    self.take(":")
                fields.append(StructField(name, self.data_type(), True))
                if self.peek() == ",":
                    self.take(",")
            self.take(">")
            return StructType(fields)
        if word in ("decimal", "dec", "numeric"):
            precision, scale = 10, 0
            if self.peek() == "(":
                self.take("(")
                precision = int(self.take())
                if self.peek() == ",":
                    self.take(",")
                    scale = int(self.take())
                self.take(")")
            return DecimalType(precision, scale)
        if word in ("varchar", "char") and self.peek() == "(":
            self.take("(")
            self.take()
            self.take(")")
        if word not in _PRIMITIVES:
            raise SchemaInferenceError(f"cloudFiles.schemaHints: unknown type {word!r}.",
                                       fix="use a Spark SQL type such as string, int, bigint, double, "
                                           "boolean, date, timestamp, decimal(10,2), array<...>, map<...>.")
        return _PRIMITIVES[word]()


def parse_ddl_columns(text: str) -> list[tuple[str, DataType]]:
    """Parse ``"name type, name2 type2"`` into ``[(name, DataType), ...]``.

    Args:
        text: a DDL column list as Databricks accepts for ``cloudFiles.schemaHints``.

    Returns:
        The columns in order.

    Raises:
        SchemaInferenceError: the text is not a column list, or a hint names a nested field.

    Example:
        >>> [(n, t.simpleString()) for n, t in parse_ddl_columns("`my col` decimal(10,2)")]
        [('my col', 'decimal(10,2)')]
    """
    if not isinstance(text, str) or not text.strip():
        raise SchemaInferenceError("cloudFiles.schemaHints is empty.", fix="remove the option or give 'col type'.")
    parser = _Parser(text)
    columns = []
    while parser.peek() is not None:
        raw = parser.peek()
        name = parser.name()
        if "." in name and not raw.startswith("`"):
            raise SchemaInferenceError(
                f"cloudFiles.schemaHints: the nested hint {name!r} is not supported locally.",
                fix="hint the whole top-level column, e.g. 'a struct<b: int>'.")
        columns.append((name, parser.data_type()))
        while parser.peek() is not None and parser.peek() != ",":
            tok = parser.take().lower()  # NOT NULL / COMMENT '...' are accepted and ignored
            if tok not in ("not", "null", "comment") and not tok.startswith("'"):
                raise SchemaInferenceError(f"cloudFiles.schemaHints {text!r}: unexpected {tok!r}.",
                                           fix="separate hints with commas: 'a int, b string'.")
        if parser.peek() == ",":
            parser.take(",")
    return columns


def apply_hints(schema: StructType, hints: str | None) -> StructType:
    """Return ``schema`` with hinted columns retyped (matched case-insensitively) or appended.

    Example:
        >>> s = StructType([StructField("id", StringType())])
        >>> apply_hints(s, "ID bigint, extra date").simpleString()
        'struct<id:bigint,extra:date>'
    """
    if not hints:
        return schema
    fields = list(schema.fields)
    index = {f.name.lower(): i for i, f in enumerate(fields)}
    for name, dtype in parse_ddl_columns(hints):
        i = index.get(name.lower())
        if i is None:
            index[name.lower()] = len(fields)
            fields.append(StructField(name, dtype, True))
        else:
            fields[i] = StructField(fields[i].name, dtype, True)
    return StructType(fields)
