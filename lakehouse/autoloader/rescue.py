"""The rescued data column: a JSON object of the values that did not fit, per row.

Databricks: "The rescued data column contains any data that wasn't parsed, either because it
was missing from the given schema, or because there was a type mismatch, or because the casing
of the column in the record or file didn't match with that in the schema. [...] The rescued
data column contains a JSON containing the rescued columns and the source file path of the
record" (https://docs.databricks.com/aws/en/ingestion/cloud-object-storage/auto-loader/schema).
The object is built column by column with ``pyarrow.compute`` (no per-row Python for string,
number and boolean values). Records that could not be parsed at all (malformed JSON lines,
CSV rows with the wrong number of fields) keep their raw text under ``_corrupt_record``.

Example:
    >>> import pyarrow as pa
    >>> vals = pa.array(["x", "y"])
    >>> mask = pa.array([True, False])
    >>> rescued_column(2, [("age", json_values(vals, mask), mask)], "file:/in/a.json").to_pylist()
    ['{"age":"x","_file_path":"file:/in/a.json"}', None]
"""

from __future__ import annotations

import json
from functools import reduce

import pyarrow as pa
import pyarrow.compute as pc

from .conversion import java_double_text, to_json_text

CORRUPT_KEY = "_corrupt_record"
_CONTROL = r"[\x00-\x08\x0b\x0c\x0e-\x1f]"
_ESCAPES = (("\\", "\\\\"), ('"', '\\"'), ("\n", "\\n"), ("\r", "\\r"), ("\t", "\\t"))


def _python_json(values: list, mask: pa.Array) -> pa.Array:
    flags = mask.to_pylist()
    return pa.array([to_json_text(v) if f else None for v, f in zip(values, flags)], pa.string())


def json_values(col: pa.Array | list, mask: pa.Array) -> pa.Array:
    """JSON text of each value of ``col`` (only rows where ``mask`` is true matter).

    Args:
        col: an Arrow column or a list of Python values.
        mask: boolean rows to render.

    Returns:
        A string array of JSON literals (``"text"``, ``12``, ``true``, ``{"a":1}``).
    """
    if isinstance(col, list):
        return _python_json(col, mask)
    if isinstance(col, pa.ChunkedArray):
        col = col.combine_chunks()
    t = col.type
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        text = pc.cast(col, pa.string())
        if pc.any(pc.match_substring_regex(text, _CONTROL)).as_py():
            return _python_json(text.to_pylist(), mask)
        for old, new in _ESCAPES:
            text = pc.replace_substring(text, old, new)
        return pc.binary_join_element_wise('"', text, '"', "")
    if pa.types.is_integer(t) or pa.types.is_boolean(t):
        return pc.cast(col, pa.string())
    if pa.types.is_floating(t):
        return java_double_text(pc.cast(col, pa.string()))
    if pa.types.is_null(t):
        return pa.array(["null"] * len(col), pa.string())
    return _python_json(col.to_pylist(), mask)


def rescued_column(num_rows: int, items: list[tuple[str, pa.Array, pa.Array]], file_uri: str) -> pa.Array:
    """Build the rescued data column from ``(key, json_text, mask)`` items.

    Args:
        num_rows: rows in the file's batch.
        items: one entry per column with rescued values; ``mask`` marks the rows to include.
        file_uri: the file's path, added as ``_file_path`` to every non-null object.

    Returns:
        A string array: a JSON object per row with something rescued, null elsewhere.
    """
    if not items:
        return pa.nulls(num_rows, pa.string())
    null = pa.scalar(None, pa.string())
    # Each piece is '"key":value,' or '' (never null: pyarrow's null_handling="skip" drops
    # all-null rows); _file_path always comes last, so the trailing commas line up.
    pieces = [pc.if_else(mask, pc.fill_null(pc.binary_join_element_wise(json.dumps(key) + ":", text, ",", ""), ""), "")
              for key, text, mask in items]
    body = pieces[0] if len(pieces) == 1 else pc.binary_join_element_wise(*pieces, "")
    tail = '"_file_path":' + json.dumps(file_uri) + "}"
    objects = pc.binary_join_element_wise("{", body, tail, "")
    any_rescued = reduce(pc.or_, [mask for _, _, mask in items])
    return pc.if_else(any_rescued, objects, null)
