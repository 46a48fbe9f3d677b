"""JSON records that need Spark's relaxed JSON switches (``allowSingleQuotes`` and friends).

Spark reads JSON with Jackson and turns on some of its non-standard features through the
JSON options (https://spark.apache.org/docs/latest/sql-data-sources-json.html, and the JSON
section of https://docs.databricks.com/aws/en/ingestion/cloud-object-storage/auto-loader/options):
``allowComments``, ``allowUnquotedFieldNames``, ``allowSingleQuotes`` (on by default),
``allowNumericLeadingZeros``, ``allowNonNumericNumbers`` (on by default),
``allowBackslashEscapingAnyCharacter`` and ``allowUnquotedControlChars``. Records that the
standard parser refuses are rewritten here into standard JSON, honouring exactly the switches
that are on, then parsed; anything else stays malformed.

Example:
    >>> loads("{'a': 1, /* x */ b: 007}", {"allowsinglequotes", "allowcomments",
    ...                                   "allowunquotedfieldnames", "allownumericleadingzeros"})
    {'a': 1, 'b': 7}
"""

from __future__ import annotations

import json
import re
from typing import Any

_ESCAPES = set('"\\/bfnrtu')
_NON_NUMERIC = {"NaN": "NaN", "Infinity": "Infinity", "+Infinity": "Infinity", "-Infinity": "-Infinity",
                "INF": "Infinity", "+INF": "Infinity", "-INF": "-Infinity"}
_WORD = re.compile(r"[+-]?[A-Za-z_$][A-Za-z0-9_$]*")
_NUMBER = re.compile(r"-?\d+(\.\d+)?([eE][+-]?\d+)?")


def _reject_constant(name: str) -> Any:
    raise ValueError(f"non-numeric number {name}")


def strict_loads(text: str, flags: frozenset | set) -> Any:
    """``json.loads`` with the switches that the standard parser can honour itself."""
    constant = None if "allownonnumericnumbers" in flags else _reject_constant
    return json.loads(text, strict="allowunquotedcontrolchars" not in flags, parse_constant=constant)


def _string(text: str, i: int, quote: str, flags) -> tuple[str, int]:
    """Read a quoted string starting after its opening quote; return (JSON text, next index)."""
    out = ['"']
    while True:
        if i >= len(text):
            raise ValueError("unterminated string")
        ch = text[i]
        if ch == quote:
            out.append('"')
            return "".join(out), i + 1
        if ch == "\\":
            nxt = text[i + 1] if i + 1 < len(text) else ""
            if nxt in _ESCAPES:
                out.append("\\" + nxt)
            elif nxt == "'" and quote == "'":
                out.append("'")
            elif "allowbackslashescapinganycharacter" in flags and nxt:
                out.append(json.dumps(nxt)[1:-1])
            else:
                raise ValueError(f"bad escape \\{nxt}")
            i += 2
            continue
        if ch == '"':
            out.append('\\"')
        elif ord(ch) < 0x20:
            if "allowunquotedcontrolchars" not in flags:
                raise ValueError("control character in string")
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
        i += 1


def _next_char(text: str, i: int) -> str:
    while i < len(text) and text[i] in " \t\r\n":
        i += 1
    return text[i] if i < len(text) else ""


def rewrite(text: str, flags: frozenset | set) -> str:
    """Rewrite one relaxed JSON text into standard JSON under ``flags``.

    Raises:
        ValueError: the text needs a switch that is off, or is not JSON at all.
    """
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch == '"':
            piece, i = _string(text, i + 1, '"', flags)
            out.append(piece)
        elif ch == "'":
            if "allowsinglequotes" not in flags:
                raise ValueError("single quotes")
            piece, i = _string(text, i + 1, "'", flags)
            out.append(piece)
        elif ch == "/" and text[i + 1:i + 2] in ("/", "*"):
            if "allowcomments" not in flags:
                raise ValueError("comment")
            if text[i + 1] == "/":
                end = text.find("\n", i)
                i = n if end < 0 else end
            else:
                end = text.find("*/", i + 2)
                if end < 0:
                    raise ValueError("unterminated comment")
                i = end + 2
            out.append(" ")
        elif ch.isdigit() or (ch == "-" and text[i + 1:i + 2].isdigit()):
            match = _NUMBER.match(text, i)
            number = match.group(0)
            digits = number.lstrip("-")
            if len(digits) > 1 and digits[0] == "0" and digits[1].isdigit():
                if "allownumericleadingzeros" not in flags:
                    raise ValueError("leading zeros")
                stripped = digits.lstrip("0")
                digits = "0" + stripped if not stripped or stripped[0] in ".eE" else stripped
                number = ("-" if number.startswith("-") else "") + digits
            out.append(number)
            i = match.end()
        elif ch.isalpha() or ch in "_$+-":
            match = _WORD.match(text, i)
            if match is None:
                raise ValueError(f"unexpected {ch!r}")
            word = match.group(0)
            i = match.end()
            if word in ("true", "false", "null"):
                out.append(word)
            elif _next_char(text, i) == ":" and word[0] not in "+-":
                if "allowunquotedfieldnames" not in flags:
                    raise ValueError("unquoted field name")
                out.append(json.dumps(word))
            elif word in _NON_NUMERIC and "allownonnumericnumbers" in flags:
                out.append(_NON_NUMERIC[word])
            else:
                raise ValueError(f"unexpected {word!r}")
        else:
            out.append(ch)
            i += 1
    return "".join(out)


def loads(text: str, flags: frozenset | set) -> Any:
    """Parse one JSON text under Spark's relaxed switches (standard parser first).

    Args:
        text: one record (a line, or a whole file with ``multiLine``).
        flags: the switches that are on, lower case (``allowcomments``, ...).

    Returns:
        The parsed value.

    Raises:
        ValueError: the text is malformed under these switches.
    """
    try:
        return strict_loads(text, flags)
    except ValueError:
        pass
    return strict_loads(rewrite(text, flags), flags)
