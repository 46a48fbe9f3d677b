"""SQL pipeline source text: statements split on ``;``, comments removed, ``${key}`` substituted.

A pipeline SQL file is a list of statements separated by ``;``; a ``;`` inside a string
(``'...'``, ``"..."``), a quoted identifier (`` `...` ``) or a comment (``-- ...`` to the end of
the line, ``/* ... */``) does not end a statement. Comments become spaces (newlines kept), so
each statement keeps the line it starts on for error messages.

``${key}`` is replaced by the value of ``key`` from the pipeline's ``configuration`` (and the
``SET key = value`` statements before it), as Databricks does: "To read a configuration value in
a query, use the string interpolation syntax ``${}``"
(https://docs.databricks.com/aws/en/ldp/developer/sql-ref, "SET" and
https://docs.databricks.com/aws/en/ldp/parameters).

Example:
    >>> [(s.line, s.text) for s in split_statements("SET a = 1; -- note\\nSELECT ';' /* x;y */ AS v;")]
    [(1, 'SET a = 1'), (2, "SELECT ';'           AS v")]
    >>> substitute("SELECT * FROM ${source}", {"source": "raw"}, where="f.sql, line 1", spec="p.yml")
    'SELECT * FROM raw'
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .errors import PipelineDefinitionError


@dataclass(frozen=True)
class Statement:
    """One statement of a SQL file: its text (comments blanked, no ``;``) and the line it starts on."""

    text: str
    line: int


def strip_comments(text: str, file: str = "") -> str:
    """``text`` with ``--`` and ``/* */`` comments replaced by spaces (newlines kept).

    Raises:
        PipelineDefinitionError: an unterminated string, quoted identifier or comment.

    Example:
        >>> strip_comments("a -- b\\nc '--' /* d */")
        "a     \\nc '--'        "
    """
    out, i, n = [], 0, len(text)
    while i < n:
        ch = text[i]
        if ch in "'\"`":
            end = _quote_end(text, i, file)
            out.append(text[i:end])
            i = end
        elif text.startswith("--", i):
            end = text.find("\n", i)
            end = n if end < 0 else end
            out.append(" " * (end - i))
            i = end
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            if end < 0:
                raise PipelineDefinitionError(f"{_at(file, text, i)}: a /* comment is never closed.",
                                              fix="close it with */.")
            out.append(re.sub(r"[^\n]", " ", text[i:end + 2]))
            i = end + 2
        else:
            out.append(ch)
            i += 1
    return "".join(out)


def _quote_end(text: str, start: int, file: str = "") -> int:
    """The index after the string / quoted identifier that starts at ``start``."""
    quote, i = text[start], start + 1
    while i < len(text):
        if text[i] == "\\" and quote != "`":
            i += 2
            continue
        if text[i] == quote:
            if text.startswith(quote * 2, i):  # a doubled quote stands for itself
                i += 2
                continue
            return i + 1
        i += 1
    kind = "quoted identifier" if quote == "`" else "string"
    raise PipelineDefinitionError(f"{_at(file, text, start)}: a {kind} opened with {quote} is never closed.",
                                  fix=f"close it with {quote}.")


def _line(text: str, index: int) -> int:
    return text.count("\n", 0, index) + 1


def _at(file: str, text: str, index: int) -> str:
    return f"{file + ', ' if file else ''}line {_line(text, index)}"


def split_statements(text: str, file: str = "") -> list[Statement]:
    """The statements of a SQL file, in order (empty statements skipped).

    Raises:
        PipelineDefinitionError: an unterminated string or comment (with its line).
    """
    clean = strip_comments(text, file)
    statements, start, i = [], 0, 0
    while i <= len(clean):
        if i == len(clean) or clean[i] == ";":
            chunk = clean[start:i]
            if chunk.strip():
                lead = len(chunk) - len(chunk.lstrip())
                statements.append(Statement(chunk.strip(), _line(clean, start + lead)))
            start = i + 1
            i += 1
        elif clean[i] in "'\"`":
            i = _quote_end(clean, i, file)
        else:
            i += 1
    return statements


_KEY = re.compile(r"\$\{([^}]*)\}")


def substitute(text: str, values: dict, *, where: str, spec: str) -> str:
    """Replace each ``${key}`` of ``text`` by ``values[key]``.

    Raises:
        PipelineDefinitionError: a key that neither the configuration nor a ``SET`` defines
            (the message names the key, ``where`` and the spec).

    Example:
        >>> substitute("${missing}", {}, where="f.sql, line 3", spec="p.yml")
        Traceback (most recent call last):
        ...
        lakehouse.pipelines.errors.PipelineDefinitionError: [PIPELINE_DEFINITION_INVALID] f.sql, line 3: ${missing} is not defined: the pipeline's configuration (p.yml) has no key 'missing' and no SET before it sets one.
          Fix: add it under configuration: in p.yml, or SET missing = ... before this statement.
    """
    def value(match):
        key = match.group(1).strip()
        if key not in values:
            raise PipelineDefinitionError(
                f"{where}: ${{{key}}} is not defined: the pipeline's configuration ({spec}) has no key "
                f"{key!r} and no SET before it sets one.",
                fix=f"add it under configuration: in {spec}, or SET {key} = ... before this statement.")
        return str(values[key])

    return _KEY.sub(value, text)
