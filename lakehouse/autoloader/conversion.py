"""Convert parsed Arrow columns to the stream's Spark types, flagging values that do not fit.

Every converter returns ``(converted, bad)``: the column in the target Arrow type (bad values
set to null) and a boolean mask of the rows whose value did not fit (``None`` when none).
The rules follow Spark's JSON / CSV parsers, which Auto Loader uses: a JSON string is never
a number, a CSV field is parsed from text, any primitive fits a string column.
Columns are converted with ``pyarrow.compute``; only unusual types (maps, decimals that
fail, mixed timestamp forms) fall back to a per-value Python conversion.

Example:
    >>> import pyarrow as pa
    >>> from pyspark.sql.types import LongType
    >>> values, bad = convert(pa.array(["1", "x", None]), LongType(), parse_strings=True)
    >>> values.to_pylist(), bad.to_pylist()
    ([1, None, None], [False, True, False])
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from pyspark.sql.types import (
    ArrayType, BinaryType, BooleanType, ByteType, DataType, DateType, DecimalType, DoubleType,
    FloatType, IntegerType, LongType, MapType, NullType, ShortType, StringType, StructType,
    TimestampNTZType, TimestampType,
)

from .spark_types import arrow_type

_INT_RANGES = {ByteType: (-(2**7), 2**7 - 1), ShortType: (-(2**15), 2**15 - 1),
               IntegerType: (-(2**31), 2**31 - 1), LongType: (-(2**63), 2**63 - 1)}
_INT_RE = r"^\s*[+-]?\d+\s*$"
_FLOAT_RE = r"^\s*[+-]?(\d+\.?\d*([eE][+-]?\d+)?|\.\d+([eE][+-]?\d+)?|NaN|Infinity|Inf)\s*$"
_NULL_STR = pa.scalar(None, pa.string())
_JAVA_FIELDS = {"yyyy": "%Y", "uuuu": "%Y", "yy": "%y", "MMMM": "%B", "MMM": "%b", "MM": "%m", "M": "%m",
                "dd": "%d", "d": "%d", "HH": "%H", "H": "%H", "hh": "%I", "h": "%I", "mm": "%M", "m": "%M",
                "ss": "%S", "s": "%S", "a": "%p", "EEEE": "%A", "EEE": "%a", "XXX": "%z", "XX": "%z",
                "X": "%z", "Z": "%z", "ZZ": "%z", "xxx": "%z"}


def java_datetime_pattern(pattern: str) -> str:
    """A Spark (Java ``DateTimeFormatter``) pattern as a ``strptime`` format.

    Covers the pattern letters of the Spark datetime page most files use (``y M d H h m s S
    a E X Z`` and quoted text); fractions of a second (``S...``) become ``%f``.

    Raises:
        ValueError: a pattern letter without a ``strptime`` equivalent.

    Example:
        >>> java_datetime_pattern("dd/MM/yyyy HH:mm:ss.SSS"), java_datetime_pattern("yyyy-MM-dd'T'HH:mm")
        ('%d/%m/%Y %H:%M:%S.%f', '%Y-%m-%dT%H:%M')
    """
    out, i = [], 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "'":
            end = pattern.find("'", i + 1)
            if end < 0:
                raise ValueError(f"unterminated quote in {pattern!r}")
            out.append(pattern[i + 1:end].replace("%", "%%") if end > i + 1 else "'")
            i = end + 1
            continue
        j = i
        while j < len(pattern) and pattern[j] == ch:
            j += 1
        run = pattern[i:j]
        if ch.isalpha():
            if ch == "S":
                out.append("%f")
            elif run in _JAVA_FIELDS:
                out.append(_JAVA_FIELDS[run])
            elif ch == "y":
                out.append("%Y")
            else:
                raise ValueError(f"pattern letters {run!r} are not supported locally")
        else:
            out.append(run.replace("%", "%%"))
        i = j
    return "".join(out)


@dataclass(frozen=True)
class ValueRules:
    """How text becomes typed values (Spark's CSV/JSON reader options)."""

    date_format: str | None = None  # strptime format (from dateFormat)
    timestamp_format: str | None = None  # strptime format (from timestampFormat)
    nan_value: str = "NaN"
    positive_inf: str = "Inf"
    negative_inf: str = "-Inf"
    case_sensitive: bool = True  # nested field names (readerCaseSensitive)

    @classmethod
    def of(cls, opts) -> "ValueRules":
        """The rules of a stream's :class:`~lakehouse.autoloader.options.AutoLoaderOptions`."""
        return cls(java_datetime_pattern(opts.date_format) if opts.date_format else None,
                   java_datetime_pattern(opts.timestamp_format) if opts.timestamp_format else None,
                   opts.nan_value, opts.positive_inf, opts.negative_inf, opts.reader_case_sensitive)


DEFAULT_RULES = ValueRules()


def _mask(arr: pa.Array, cond: pa.Array | None = None) -> pa.Array:
    valid = arr.is_valid()
    return valid if cond is None else pc.fill_null(pc.and_(valid, cond), False)


def _none_if_clear(mask: pa.Array | None) -> pa.Array | None:
    if mask is None or not pc.any(mask).as_py():
        return None
    return mask


def _all_bad(arr: pa.Array, target: DataType) -> tuple[pa.Array, pa.Array | None]:
    return pa.nulls(len(arr), arrow_type(target)), _none_if_clear(_mask(arr))


def _null_where(arr: pa.Array, mask: pa.Array | None) -> pa.Array:
    if mask is None:
        return arr
    return pc.if_else(mask, pa.scalar(None, arr.type), arr)


def java_double_text(text: pa.Array) -> pa.Array:
    """Spark writes an integral double as ``1.0``; Arrow writes ``1``."""
    plain = pc.fill_null(pc.invert(pc.match_substring_regex(text, r"[.eEnN]")), False)
    return pc.if_else(plain, pc.binary_join_element_wise(text, ".0", ""), text)


def convert(arr: pa.Array, target: DataType, *, parse_strings: bool,
            rules: ValueRules = DEFAULT_RULES) -> tuple[pa.Array, pa.Array | None]:
    """Convert ``arr`` to ``target``; values that do not fit become null and are flagged.

    Args:
        arr: a parsed column (any Arrow type).
        target: the Spark type of the stream's column.
        parse_strings: True for CSV (text is parsed into numbers, booleans, dates), False for
            JSON and Parquet (a string value in a numeric column does not fit).
        rules: date/timestamp formats, NaN and infinity spellings, case sensitivity.

    Returns:
        ``(values, bad)``: values in ``arrow_type(target)``; ``bad`` a boolean mask or None.

    Example:
        >>> from pyspark.sql.types import StringType
        >>> convert(pa.array([1.0, 2.5]), StringType(), parse_strings=False)[0].to_pylist()
        ['1.0', '2.5']
    """
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    t = arr.type
    if pa.types.is_null(t):
        return pa.nulls(len(arr), arrow_type(target)), None
    try:
        return _convert_vectorised(arr, t, target, parse_strings, rules)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError, OverflowError):
        return convert_values(arr.to_pylist(), target, parse_strings=parse_strings, rules=rules)


def _special_floats(arr: pa.Array, rules: ValueRules) -> pa.Array:
    """Map the CSV ``nanValue`` / ``positiveInf`` / ``negativeInf`` spellings to parseable text."""
    for text, canonical in ((rules.nan_value, "NaN"), (rules.positive_inf, "Inf"), (rules.negative_inf, "-Inf")):
        if text != canonical:
            arr = pc.if_else(pc.fill_null(pc.equal(arr, text), False), canonical, arr)
    return arr


def _convert_vectorised(arr, t, target, parse_strings, rules):
    if isinstance(target, StringType):
        if pa.types.is_string(t):
            return arr, None
        if pa.types.is_large_string(t) or pa.types.is_integer(t) or pa.types.is_boolean(t):
            return pc.cast(arr, pa.string()), None
        if pa.types.is_floating(t):
            return java_double_text(pc.cast(arr, pa.string())), None
        return convert_values(arr.to_pylist(), target, parse_strings=parse_strings, rules=rules)
    if type(target) in _INT_RANGES:
        lo, hi = _INT_RANGES[type(target)]
        if pa.types.is_integer(t):
            bad = _none_if_clear(_mask(arr, pc.or_(pc.less(arr, lo), pc.greater(arr, hi))))
            return pc.cast(_null_where(arr, bad), arrow_type(target), safe=False), bad
        if pa.types.is_string(t) and parse_strings:
            ok = pc.match_substring_regex(arr, _INT_RE)
            bad = _none_if_clear(_mask(arr, pc.invert(ok)))
            ints = pc.cast(pc.utf8_trim_whitespace(_null_where(arr, bad)), pa.int64())
            out_of_range = _none_if_clear(_mask(ints, pc.or_(pc.less(ints, lo), pc.greater(ints, hi))))
            if out_of_range is not None:
                bad = out_of_range if bad is None else pc.or_(bad, out_of_range)
            return pc.cast(_null_where(ints, out_of_range), arrow_type(target), safe=False), bad
        return _all_bad(arr, target)
    if isinstance(target, (DoubleType, FloatType)):
        if pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_decimal(t):
            return pc.cast(arr, arrow_type(target), safe=False), None
        if pa.types.is_string(t) and parse_strings:
            arr = _special_floats(arr, rules)
            ok = pc.match_substring_regex(arr, _FLOAT_RE)
            bad = _none_if_clear(_mask(arr, pc.invert(ok)))
            text = pc.replace_substring_regex(pc.utf8_trim_whitespace(_null_where(arr, bad)),
                                              "Infinity$|Inf$", "inf")
            return pc.cast(text, arrow_type(target)), bad
        return _all_bad(arr, target)
    if isinstance(target, BooleanType):
        if pa.types.is_boolean(t):
            return arr, None
        if pa.types.is_string(t) and parse_strings:
            low = pc.utf8_lower(pc.utf8_trim_whitespace(arr))
            ok = pc.is_in(low, value_set=pa.array(["true", "false"]))
            bad = _none_if_clear(_mask(arr, pc.invert(ok)))
            return _null_where(pc.equal(low, "true"), bad), bad
        return _all_bad(arr, target)
    if isinstance(target, DecimalType):
        if pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_decimal(t) or (
                pa.types.is_string(t) and parse_strings):
            return pc.cast(arr, arrow_type(target)), None  # raises on a bad value -> per value
        return _all_bad(arr, target)
    if isinstance(target, DateType):
        if pa.types.is_string(t):
            if rules.date_format and "%f" in rules.date_format:
                raise pa.ArrowNotImplementedError("fractions: per value")
            parsed = pc.strptime(pc.utf8_trim_whitespace(arr), format=rules.date_format or "%Y-%m-%d", unit="s",
                                 error_is_null=True)
            bad = _none_if_clear(_mask(arr, parsed.is_null()))
            return pc.cast(parsed, pa.date32()), bad
        if pa.types.is_timestamp(t) or pa.types.is_date(t):
            return pc.cast(arr, pa.date32()), None
        return _all_bad(arr, target)
    if isinstance(target, (TimestampType, TimestampNTZType)):
        want = arrow_type(target)
        if pa.types.is_string(t) and rules.timestamp_format:
            if "%f" in rules.timestamp_format or "%z" in rules.timestamp_format:
                raise pa.ArrowNotImplementedError("fractions / offsets: per value")
            parsed = pc.strptime(pc.utf8_trim_whitespace(arr), format=rules.timestamp_format, unit="us",
                                 error_is_null=True)
            bad = _none_if_clear(_mask(arr, parsed.is_null()))
            return pc.cast(parsed, pa.timestamp("us")).cast(want) if want.tz is None else \
                pc.assume_timezone(parsed, "UTC"), bad
        if pa.types.is_string(t):
            try:
                return pc.cast(arr, want), None
            except pa.ArrowInvalid:
                other = pa.timestamp("us") if want.tz else pa.timestamp("us", "UTC")
                return pc.cast(pc.cast(arr, other), want), None  # raises again -> per value
        if pa.types.is_timestamp(t) or pa.types.is_date(t):
            return pc.cast(arr, want), None
        return _all_bad(arr, target)
    if isinstance(target, BinaryType):
        if pa.types.is_binary(t) or pa.types.is_large_binary(t):
            return pc.cast(arr, pa.binary()), None
        return _all_bad(arr, target)
    if isinstance(target, StructType):
        if not pa.types.is_struct(t):
            return _all_bad(arr, target)
        return _convert_struct(arr, target, parse_strings, rules)
    if isinstance(target, ArrayType):
        if not (pa.types.is_list(t) or pa.types.is_large_list(t)):
            return _all_bad(arr, target)
        return _convert_list(arr, target, parse_strings, rules)
    return convert_values(arr.to_pylist(), target, parse_strings=parse_strings, rules=rules)


def _convert_struct(arr: pa.StructArray, target: StructType, parse_strings: bool, rules: ValueRules):
    names = [arr.type.field(i).name for i in range(arr.type.num_fields)]
    children, bad, used = [], None, set()
    for field in target.fields:
        name = field.name if field.name in names or rules.case_sensitive else next(
            (n for n in names if n.lower() == field.name.lower()), field.name)
        if name in names:
            used.add(name)
            child = pc.struct_field(arr, name) if arr.offset or len(arr.field(name)) != len(arr) else arr.field(name)
            values, child_bad = convert(child, field.dataType, parse_strings=parse_strings, rules=rules)
        else:
            values, child_bad = pa.nulls(len(arr), arrow_type(field.dataType)), None
        children.append(values)
        if child_bad is not None:
            bad = child_bad if bad is None else pc.or_(bad, child_bad)
    for name in names:
        if name not in used:  # a nested field the schema does not have (or other casing)
            extra = _none_if_clear(_mask(pc.struct_field(arr, name)))
            if extra is not None:
                bad = extra if bad is None else pc.or_(bad, extra)
    if bad is not None:
        bad = pc.fill_null(pc.and_(bad, arr.is_valid()), False)
    out_type = arrow_type(target)
    out = pa.StructArray.from_arrays(children, fields=list(out_type), mask=arr.is_null())
    return out, _none_if_clear(bad)


def _convert_list(arr: pa.ListArray, target: ArrayType, parse_strings: bool, rules: ValueRules):
    if arr.offset:
        arr = pa.concat_arrays([arr])  # drop the slice offset so offsets start at 0
    offsets = arr.offsets
    start, stop = offsets[0].as_py(), offsets[-1].as_py()
    values = arr.values.slice(start, stop - start)
    conv, bad_values = convert(values, target.elementType, parse_strings=parse_strings, rules=rules)
    rel = pc.subtract(offsets, start)
    out = pa.ListArray.from_arrays(rel, conv, type=arrow_type(target), mask=arr.is_null())
    if bad_values is None:
        return out, None
    bad_idx = np.flatnonzero(bad_values.to_numpy(zero_copy_only=False))
    rows = np.searchsorted(rel.to_numpy(zero_copy_only=False), bad_idx, side="right") - 1
    mask = np.zeros(len(arr), dtype=bool)
    mask[rows] = True
    return out, pa.array(mask)


def convert_values(values: list, target: DataType, *, parse_strings: bool,
                   rules: ValueRules = DEFAULT_RULES) -> tuple[pa.Array, pa.Array | None]:
    """Per-value conversion of Python values (from ``json.loads`` or ``to_pylist``).

    Example:
        >>> convert_values([1, "a", None], LongType(), parse_strings=False)[1].to_pylist()
        [False, True, False]
    """
    out, bad, any_bad = [], [], False
    for value in values:
        ok, converted = convert_value(value, target, parse_strings, rules)
        out.append(converted if ok else None)
        bad.append(not ok)
        any_bad = any_bad or not ok
    return pa.array(out, type=arrow_type(target)), (pa.array(bad) if any_bad else None)


def _double_text(value: float) -> str:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    text = repr(value)
    return text if any(c in text for c in ".eEn") else text + ".0"


def convert_value(value: Any, target: DataType, parse_strings: bool,
                  rules: ValueRules = DEFAULT_RULES) -> tuple[bool, Any]:
    """Convert one Python value to ``target``: ``(fits, converted)``, Spark parser rules."""
    if value is None or isinstance(target, NullType):
        return True, None
    if isinstance(target, StringType):
        if isinstance(value, str):
            return True, value
        if isinstance(value, bool):
            return True, "true" if value else "false"
        if isinstance(value, float):
            return True, _double_text(value)
        if isinstance(value, (int, decimal.Decimal)):
            return True, str(value)
        return True, to_json_text(value)
    if type(target) in _INT_RANGES:
        lo, hi = _INT_RANGES[type(target)]
        if isinstance(value, str) and parse_strings:
            try:
                value = int(value.strip())
            except ValueError:
                return False, None
        if isinstance(value, int) and not isinstance(value, bool) and lo <= value <= hi:
            return True, value
        return False, None
    if isinstance(target, (DoubleType, FloatType)):
        if isinstance(value, str) and parse_strings:
            special = {rules.nan_value: "nan", rules.positive_inf: "inf", rules.negative_inf: "-inf"}
            try:
                return True, float(special.get(value, value.strip().replace("Infinity", "inf")))
            except ValueError:
                return False, None
        if isinstance(value, (int, float, decimal.Decimal)) and not isinstance(value, bool):
            return True, float(value)
        return False, None
    if isinstance(target, BooleanType):
        if isinstance(value, bool):
            return True, value
        if isinstance(value, str) and parse_strings and value.strip().lower() in ("true", "false"):
            return True, value.strip().lower() == "true"
        return False, None
    if isinstance(target, DecimalType):
        if isinstance(value, bool) or not isinstance(value, (int, float, str, decimal.Decimal)):
            return False, None
        if isinstance(value, str) and not parse_strings:
            return False, None
        try:
            number = decimal.Decimal(str(value).strip()).quantize(decimal.Decimal(1).scaleb(-target.scale))
        except (decimal.InvalidOperation, ValueError):
            return False, None
        if len(number.as_tuple().digits) > target.precision:
            return False, None
        return True, number
    if isinstance(target, DateType):
        if isinstance(value, str):
            try:
                if rules.date_format:
                    return True, dt.datetime.strptime(value.strip(), rules.date_format).date()
                return True, dt.date.fromisoformat(value.strip())
            except ValueError:
                return False, None
        if isinstance(value, dt.datetime):
            return True, value.date()
        if isinstance(value, dt.date):
            return True, value
        return False, None
    if isinstance(target, (TimestampType, TimestampNTZType)):
        if isinstance(value, str):
            try:
                if rules.timestamp_format:
                    value = dt.datetime.strptime(value.strip(), rules.timestamp_format)
                else:
                    value = dt.datetime.fromisoformat(value.strip())
            except ValueError:
                return False, None
        if isinstance(value, dt.datetime):
            if isinstance(target, TimestampType):
                value = value.replace(tzinfo=dt.timezone.utc) if value.tzinfo is None else value
            else:
                value = value.replace(tzinfo=None)
            return True, value
        return False, None
    if isinstance(target, BinaryType):
        return (True, value) if isinstance(value, (bytes, bytearray)) else (False, None)
    if isinstance(target, StructType):
        if not isinstance(value, dict):
            return False, None
        fits, out, used = True, {}, set()
        for field in target.fields:
            key = field.name if field.name in value or rules.case_sensitive else next(
                (k for k in value if k.lower() == field.name.lower()), field.name)
            used.add(key)
            ok, out[field.name] = convert_value(value.get(key), field.dataType, parse_strings, rules)
            fits = fits and ok
        if any(k not in used and v is not None for k, v in value.items()):
            fits = False
        return fits, out
    if isinstance(target, ArrayType):
        if not isinstance(value, list):
            return False, None
        fits, out = True, []
        for item in value:
            ok, converted = convert_value(item, target.elementType, parse_strings, rules)
            out.append(converted if ok else None)
            fits = fits and ok
        return fits, out
    if isinstance(target, MapType):
        if not isinstance(value, dict):
            return False, None
        fits, out = True, []
        for key, item in value.items():
            ok_k, k = convert_value(key, target.keyType, True, rules)
            ok_v, v = convert_value(item, target.valueType, parse_strings, rules)
            if ok_k:
                out.append((k, v if ok_v else None))
            fits = fits and ok_k and ok_v
        return fits, out
    return False, None


def to_json_text(value: Any) -> str:
    """Compact JSON for one value, as Spark writes it (``{"a":1}``, dates as ISO text)."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=_json_default)


def _json_default(value: Any) -> Any:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    if isinstance(value, list):
        return value
    return str(value)


