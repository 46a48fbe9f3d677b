"""``cloudFiles.schemaHints``: parse a DDL column list and apply it to an inferred schema.

Hints override the inferred type of a column or add a column that the sample did not show
(https://docs.databricks.com/aws/en/ingestion/cloud-object-storage/auto-loader/schema,
"Override schema inference with schema hints"). As documented there, a hint may name a
nested field: a struct field with ``.`` (``user_info.dob DATE``), the elements of an array
with ``.element`` (``users.element.id INT``, ``locations.element STRING``) and the keys or
values of a map with ``.key`` / ``.value`` (``names.key INT``, ``descriptions.value.content
STRING``). Names match case-insensitively; a backquoted name is one name (```a.b```).

Example:
    >>> parse_ddl_columns("id bigint, tags map<string,string>")[1][1].simpleString()
    'map<string,string>'
    >>> s = StructType([StructField("merchant", StructType([StructField("since", StringType())]))])
    >>> apply_hints(s, "merchant.since DATE").simpleString()
    'struct<merchant:struct<since:date>>'
"""

from __future__ import annotations

import re

from pyspark.sql.types import (
    ArrayType, BinaryType, BooleanType, ByteType, DataType, DateType, DecimalType, DoubleType,
    FloatType, IntegerType, LongType, MapType, ShortType, StringType, StructField, StructType,
    TimestampNTZType, TimestampType,
)

from .errors import SchemaInferenceError

SCHEMA_DOC = "https://docs.databricks.com/aws/en/ingestion/cloud-object-storage/auto-loader/schema"

_PRIMITIVES = {
    "string": StringType, "varchar": StringType, "char": StringType, "int": IntegerType,
    "integer": IntegerType, "bigint": LongType, "long": LongType, "smallint": ShortType,
    "short": ShortType, "tinyint": ByteType, "byte": ByteType, "double": DoubleType,
    "float": FloatType, "real": FloatType, "boolean": BooleanType, "bool": BooleanType,
    "date": DateType, "timestamp": TimestampType, "timestamp_ltz": TimestampType,
    "timestamp_ntz": TimestampNTZType, "binary": BinaryType,
}
_PART = r"(?:`(?:[^`]|``)+`|[A-Za-z_][A-Za-z0-9_$]*)"
_TOKEN = re.compile(rf"\s*({_PART}(?:\.{_PART})*|\d+|'[^']*'|[<>(),:])")
_SEGMENT = re.compile(_PART)


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

    def path(self) -> tuple[str, ...]:
        """A column name, or a dotted path to a nested field (backquoted parts kept whole)."""
        tok = self.take()
        parts = []
        for match in _SEGMENT.finditer(tok):
            part = match.group(0)
            parts.append(part[1:-1].replace("``", "`") if part.startswith("`") else part)
        return tuple(parts)

    def name(self) -> str:
        return ".".join(self.path())

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


def parse_hints(text: str) -> list[tuple[tuple[str, ...], DataType]]:
    """Parse ``cloudFiles.schemaHints`` into ``[(path, DataType), ...]``.

    Args:
        text: ``"name type, a.b type, arr.element type, m.key type, m.value.c type"``.

    Returns:
        The hints in order; ``path`` is the column name followed by nested names.

    Raises:
        SchemaInferenceError: the text is not a list of hints.

    Example:
        >>> [(p, t.simpleString()) for p, t in parse_hints("users.element.id INT, `a.b` date")]
        [(('users', 'element', 'id'), 'int'), (('a.b',), 'date')]
    """
    if not isinstance(text, str) or not text.strip():
        raise SchemaInferenceError("cloudFiles.schemaHints is empty.", fix="remove the option or give 'col type'.")
    parser = _Parser(text)
    columns = []
    while parser.peek() is not None:
        path = parser.path()
        columns.append((path, parser.data_type()))
        while parser.peek() is not None and parser.peek() != ",":
            tok = parser.take().lower()  # NOT NULL / COMMENT '...' are accepted and ignored
            if tok not in ("not", "null", "comment") and not tok.startswith("'"):
                raise SchemaInferenceError(f"cloudFiles.schemaHints {text!r}: unexpected {tok!r}.",
                                           fix="separate hints with commas: 'a int, b string'.")
        if parser.peek() == ",":
            parser.take(",")
    return columns


def parse_ddl_columns(text: str) -> list[tuple[str, DataType]]:
    """Parse ``"name type, name2 type2"`` (top-level columns only) into ``[(name, DataType), ...]``.

    Args:
        text: a DDL column list such as ``.schema(...)`` accepts.

    Returns:
        The columns in order.

    Raises:
        SchemaInferenceError: the text is not a column list, or names a nested field.

    Example:
        >>> [(n, t.simpleString()) for n, t in parse_ddl_columns("`my col` decimal(10,2)")]
        [('my col', 'decimal(10,2)')]
    """
    out = []
    for path, dtype in parse_hints(text):
        if len(path) != 1:
            raise SchemaInferenceError(f"{'.'.join(path)!r} is a nested field, not a column.",
                                       fix="name top-level columns only, e.g. 'a struct<b: int>'.")
        out.append((path[0], dtype))
    return out


def _hint_error(path: tuple[str, ...], at: int, found: DataType, why: str) -> SchemaInferenceError:
    return SchemaInferenceError(
        f"cloudFiles.schemaHints: {'.'.join(path)!r} does not fit the schema: "
        f"{'.'.join(path[:at]) or 'the schema'} is {found.simpleString()}, {why}.",
        fix=f"use .element for array elements, .key / .value for maps and field names for structs "
            f"({SCHEMA_DOC}).")


def _apply(dtype: DataType, path: tuple[str, ...], hint: DataType, full: tuple[str, ...], depth: int) -> DataType:
    if not path:
        return hint
    head, rest = path[0], path[1:]
    if isinstance(dtype, StructType):
        fields = list(dtype.fields)
        i = next((k for k, f in enumerate(fields) if f.name.lower() == head.lower()), None)
        if i is None:  # a hint may add a field the sample did not show
            child = hint
            for name in reversed(rest):
                child = StructType([StructField(name, child, True)])
            return StructType(fields + [StructField(head, child, True)])
        fields[i] = StructField(fields[i].name, _apply(fields[i].dataType, rest, hint, full, depth + 1), True)
        return StructType(fields)
    if isinstance(dtype, ArrayType):
        if head.lower() != "element":
            raise _hint_error(full, depth, dtype, f"so the next name must be 'element', not {head!r}")
        return ArrayType(_apply(dtype.elementType, rest, hint, full, depth + 1), dtype.containsNull)
    if isinstance(dtype, MapType):
        if head.lower() == "key":
            return MapType(_apply(dtype.keyType, rest, hint, full, depth + 1), dtype.valueType, dtype.valueContainsNull)
        if head.lower() == "value":
            return MapType(dtype.keyType, _apply(dtype.valueType, rest, hint, full, depth + 1), dtype.valueContainsNull)
        raise _hint_error(full, depth, dtype, f"so the next name must be 'key' or 'value', not {head!r}")
    raise _hint_error(full, depth, dtype, f"which has no field {head!r}")


def apply_hints(schema: StructType, hints: str | None) -> StructType:
    """Return ``schema`` with hinted columns or nested fields retyped (names matched
    case-insensitively), or added when the schema does not have them.

    Raises:
        SchemaInferenceError: the hints cannot be read, or a path does not fit the schema.

    Example:
        >>> s = StructType([StructField("id", StringType())])
        >>> apply_hints(s, "ID bigint, extra date").simpleString()
        'struct<id:bigint,extra:date>'
    """
    if not hints:
        return schema
    for path, dtype in parse_hints(hints):
        schema = _apply(schema, path, dtype, path, 0)
    return schema
