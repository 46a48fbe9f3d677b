"""Databricks SQL text on open-source Spark: sqlglot translates the dialect first.

Databricks SQL reads JSON strings with the ``:`` path syntax (``details:flow_progress.status``);
open-source Spark 4.2 applies ``:`` to VARIANT only. :func:`to_spark_sql` transpiles Databricks SQL to
Spark SQL with sqlglot (``read="databricks", write="spark"``: ``:`` paths become
``get_json_object``) and :func:`lakehouse.sql` runs it (with Unity Catalog governance), so queries from the Databricks docs run as written
(for example the event log's data-quality query,
https://docs.databricks.com/aws/en/ldp/monitor-event-logs). On Databricks the text runs as is.

Example:
    >>> to_spark_sql("SELECT details:flow_progress.status AS s FROM log")
    "SELECT GET_JSON_OBJECT(details, '$.flow_progress.status') AS s FROM log"
"""

from __future__ import annotations

from .errors import LakehouseError


class SqlTranslationError(LakehouseError):
    """Databricks SQL text that sqlglot cannot parse."""

    code = "SQL_TRANSLATION_FAILED"


def to_spark_sql(text: str) -> str:
    """Translate one Databricks SQL statement to Spark SQL.

    Raises:
        SqlTranslationError: sqlglot cannot parse it (the message has sqlglot's reason).
    """
    import sqlglot
    from sqlglot.errors import ParseError

    if not isinstance(text, str) or not text.strip():
        raise SqlTranslationError(f"expected a SQL statement (str), got {text!r}.")
    try:
        return sqlglot.transpile(text, read="databricks", write="spark")[0]
    except ParseError as exc:
        raise SqlTranslationError(f"cannot translate this Databricks SQL: {str(exc).splitlines()[0]}",
                                  fix="run it with spark.sql(...) in Spark SQL syntax.") from exc

