"""Errors of the notebook layer (``%sql``, ``%run``, magics, source format), and the one-line
way a notebook on the course kernel shows an error.

Example:
    >>> from lakehouse.notebook.errors import NotebookNotFoundError, NotebookError
    >>> issubclass(NotebookNotFoundError, NotebookError), NotebookNotFoundError.code
    (True, 'NOTEBOOK_NOT_FOUND')
"""

from __future__ import annotations

import re

from ..errors import LakehouseError


class NotebookError(LakehouseError):
    """Root of the notebook layer's errors."""

    code = "NOTEBOOK_ERROR"


class NotebookNotFoundError(NotebookError):
    """``%run`` (or ``lakehouse notebooks``) names a notebook that is not there; the message lists the paths tried."""

    code = "NOTEBOOK_NOT_FOUND"


class NotebookFormatError(NotebookError):
    """A file is neither an ``.ipynb`` nor a notebook in Databricks source format."""

    code = "NOTEBOOK_FORMAT"


class UnsupportedMagicError(NotebookError):
    """A Databricks magic the local kernel cannot run (``%scala``, ``%r``...); the message says what to do instead."""

    code = "UNSUPPORTED_MAGIC"


class DisplayError(NotebookError):
    """``display`` got something it cannot show locally (a streaming DataFrame)."""

    code = "DISPLAY_UNSUPPORTED"


def spark_error_line(exc: BaseException, statement: str | None = None) -> str:
    """One line for a Spark ``AnalysisException`` / ``ParseException``: condition, message,
    position, and the statement it is about.

    Args:
        exc: the exception (its text has Spark's ``[CONDITION] message ... (line L, pos P)``).
        statement: the SQL statement that failed, when known (shown after the message, shortened).

    Example:
        >>> err = Exception("[PARSE_SYNTAX_ERROR] Syntax error at or near 'FORM'. SQLSTATE: 42601 (line 1, pos 9)"
        ...                 "\\n\\n== SQL ==\\nSELECT 1 FORM t\\n---------^^^\\n")
        >>> spark_error_line(err, "SELECT 1 FORM t")
        "[PARSE_SYNTAX_ERROR] Syntax error at or near 'FORM' (line 1, pos 9) in: SELECT 1 FORM t"
    """
    text = str(exc)
    first = text.strip().split("\n", 1)[0] if text.strip() else type(exc).__name__
    position = re.search(r"line (\d+),? pos (\d+)", text)
    first = re.sub(r"\s*\(line \d+, pos \d+\)|;\s*line \d+ pos \d+;?", "", first)
    first = re.sub(r"\.?\s*SQLSTATE: \w+", "", first).rstrip(". ")
    if not first.startswith("["):
        condition = getattr(exc, "getCondition", lambda: None)()
        first = f"[{condition}] {first}" if condition else f"{type(exc).__name__}: {first}"
    if position:
        first += f" (line {position.group(1)}, pos {position.group(2)})"
    if statement:
        flat = " ".join(statement.split())
        first += f" in: {flat[:160]}{'...' if len(flat) > 160 else ''}"
    return first
