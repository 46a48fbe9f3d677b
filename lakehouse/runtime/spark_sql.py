"""Databricks SQL written as Spark SQL: sqlglot's ``spark`` dialect, with the few functions it writes
in a form open-source Spark 4.2 does not parse.

sqlglot writes ``current_catalog()`` as the bare keyword ``CURRENT_CATALOG`` (Spark reads it as a
column: ``UNRESOLVED_COLUMN``) and ``session_user()`` as ``SESSION_USER``; both are functions in the
Databricks SQL reference (https://docs.databricks.com/en/sql/language-manual/functions/current_catalog.html)
and in Spark 4.2, so they are written as calls.

Example:
    >>> import sqlglot
    >>> spark_sql(sqlglot.parse_one("SELECT current_catalog(), session_user(), current_date()", read="databricks"))
    'SELECT CURRENT_CATALOG(), SESSION_USER(), CURRENT_DATE'
"""

from __future__ import annotations

from sqlglot import exp

_AS_CALLS = {exp.CurrentCatalog: "current_catalog", exp.SessionUser: "session_user"}


def spark_sql(tree: exp.Expression) -> str:
    """The Spark SQL text of a parsed Databricks SQL statement (``tree`` is not changed).

    Args:
        tree: a statement parsed with ``read="databricks"``.

    Returns:
        The statement in Spark 4.2's SQL.
    """
    def as_call(node: exp.Expression) -> exp.Expression:
        name = _AS_CALLS.get(type(node))
        return exp.Anonymous(this=name, expressions=[]) if name else node

    return tree.transform(as_call).sql(dialect="spark")
