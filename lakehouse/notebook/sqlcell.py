"""``%sql`` cells: Databricks SQL statements run one by one through :func:`lakehouse.sql`; the last
result shows as a table and is kept as the DataFrame ``_sqldf``.

On Databricks the result of a SQL cell is available in Python as ``_sqldf``
(https://docs.databricks.com/notebooks/notebooks-code.html#explore-sql-cell-results-in-python-notebooks-using-python);
a statement without a result (DDL, GRANT...) shows nothing here. Statements are split at ``;``
by sqlglot's tokenizer (Databricks dialect), so a ``;`` inside a string or a comment does not split.
A statement runs from its first token to its last: the comments around it stay in the cell (a
Unity Catalog statement such as ``SET TAGS`` is parsed by :mod:`lakehouse.governance.grammar`, which
reads statements, not comments), and a part that is only comments is no statement (a lab's ``%sql``
TODO cell holds only its ``-- TODO`` lines and runs as nothing).

Example:
    >>> split_statements("SELECT 'a;b' AS s; -- one; two\\nSELECT 2;")
    ["SELECT 'a;b' AS s", 'SELECT 2']
    >>> split_statements("-- TODO 1\\nALTER TABLE t ALTER COLUMN c SET TAGS ('pii' = 'c')\\n-- END SOLUTION")
    ["ALTER TABLE t ALTER COLUMN c SET TAGS ('pii' = 'c')"]
    >>> split_statements("-- TODO 1: a MERGE\\n-- TODO: look up MERGE INTO")
    []
"""

from __future__ import annotations

from .errors import NotebookError


class SqlCellError(NotebookError):
    """A statement of a ``%sql`` cell failed; the message names the statement and Spark's reason."""

    code = "SQL_CELL_FAILED"


def split_statements(text: str) -> list[str]:
    """The statements of a SQL text, split at the ``;`` that end them (not those in strings or comments).

    Raises:
        SqlCellError: the text cannot be tokenized (an unclosed string or comment).
    """
    from sqlglot.errors import TokenError
    from sqlglot.tokens import TokenType
    from sqlglot.dialects.dialect import Dialect

    try:
        tokens = Dialect.get_or_raise("databricks").tokenize(text)
    except TokenError as exc:
        raise SqlCellError(f"cannot split this SQL into statements: {str(exc).splitlines()[0]}",
                           fix="close the string or comment that is left open.") from None
    parts, first, last = [], None, None
    for token in tokens + [None]:
        if token is None or token.token_type == TokenType.SEMICOLON:
            if first is not None:
                parts.append(text[first.start:last.end + 1])
            first = last = None
        else:
            first, last = first or token, token
    return parts


def has_result(df) -> bool:
    """True when a statement's DataFrame is a result to show (not the empty one of DDL, GRANT, SET ROW FILTER...)."""
    return bool(df is not None and df.columns)


def run_sql(text: str, *, spark, namespace: dict | None = None, show=None):
    """Run a ``%sql`` cell: every statement in order; return (and show) the last statement's result.

    Args:
        text: one or more Databricks SQL statements separated by ``;``.
        spark: the session.
        namespace: where ``_sqldf`` is bound (the notebook's namespace).
        show: called with the last result to show it (default: no display).

    Returns:
        The last statement's DataFrame (a real Spark DataFrame), or None when it has no result.

    Raises:
        SqlCellError: a statement failed: one line with Spark's condition, the position and the statement.
        lakehouse.errors.LakehouseError: a Unity Catalog refusal (``PERMISSION_DENIED`` ...), as raised.

    Example:
        >>> run_sql("CREATE TABLE t (id INT); SELECT * FROM t", spark=spark)   # doctest: +SKIP
    """
    import lakehouse
    from pyspark.errors import AnalysisException

    from ..errors import LakehouseError
    from .errors import spark_error_line

    statements = split_statements(text)
    result = None
    for number, statement in enumerate(statements, 1):
        try:
            result = lakehouse.sql(statement, spark=spark)
        except LakehouseError:
            raise
        except AnalysisException as exc:  # ParseException is one
            where = f"statement {number} of {len(statements)}: " if len(statements) > 1 else ""
            raise SqlCellError(where + spark_error_line(exc, statement)) from None
    if not has_result(result):
        return None
    if namespace is not None:
        namespace["_sqldf"] = result
    if show is not None:
        show(result)
    return result
