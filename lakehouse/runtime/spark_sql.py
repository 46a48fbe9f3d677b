"""Databricks SQL written as Spark SQL: sqlglot's ``spark`` dialect, with the few functions it writes
in a form open-source Spark 4.2 does not parse.

sqlglot writes ``current_catalog()`` as the bare keyword ``CURRENT_CATALOG`` (Spark reads it as a
column: ``UNRESOLVED_COLUMN``) and ``session_user()`` as ``SESSION_USER``; both are functions in the
Databricks SQL reference (https://docs.databricks.com/en/sql/language-manual/functions/current_catalog.html)
and in Spark 4.2, so they are written as calls. So are two calls the writer would change into something
else, silently: ``parse_json(s)`` (it wrote ``s``, a string instead of a VARIANT;
https://docs.databricks.com/aws/en/sql/language-manual/functions/parse_json) and
``to_char(x, fmt)`` (it wrote ``CAST(x AS STRING)``, dropping the format;
https://docs.databricks.com/aws/en/sql/language-manual/functions/to_char); Spark 4.2 has both.
``percentile_cont`` / ``percentile_disc ... WITHIN GROUP`` are written as they are (:class:`SparkWriter`).

``current_version()`` and ``CLUSTER BY AUTO`` are refused by name (:class:`NotLocalFunctionError`): on Databricks it returns a
struct (``dbr_version``, ``dbsql_version``, ``u_build_hash``, ``r_build_hash``;
https://docs.databricks.com/aws/en/sql/language-manual/functions/current_version), and sqlglot
writes it as Spark's ``version()``, a string: the query would run and answer something else.

Example:
    >>> import sqlglot
    >>> spark_sql(sqlglot.parse_one("SELECT current_catalog(), session_user(), current_date()", read="databricks"))
    'SELECT CURRENT_CATALOG(), SESSION_USER(), CURRENT_DATE'
    >>> spark_sql(sqlglot.parse_one("SELECT parse_json(s), to_char(n, '999.99') FROM t", read="databricks"))
    "SELECT PARSE_JSON(s), TO_CHAR(n, '999.99') FROM t"
    >>> spark_sql(sqlglot.parse_one("SELECT percentile_cont(0.9) WITHIN GROUP (ORDER BY x DESC) FROM t", read="databricks"))
    'SELECT PERCENTILE_CONT(0.9) WITHIN GROUP (ORDER BY x DESC) FROM t'
"""

from __future__ import annotations

from sqlglot import exp
from sqlglot.dialects.spark import Spark

from ..errors import LakehouseError

_AS_CALLS = {exp.CurrentCatalog: "current_catalog", exp.SessionUser: "session_user"}
CURRENT_VERSION_DOC = "https://docs.databricks.com/aws/en/sql/language-manual/functions/current_version"
CLUSTER_BY_AUTO_DOC = "https://docs.databricks.com/aws/en/delta/clustering#automatic-liquid-clustering"


class SparkWriter(Spark):
    """sqlglot's Spark dialect, except that ``f(p) WITHIN GROUP (ORDER BY x)`` is written as it is.

    The Spark writer turns ``percentile_cont`` / ``percentile_disc ... WITHIN GROUP`` into
    ``percentile_approx`` (approximate, and the order's DESC lost); Spark 4.2 runs the exact
    aggregates as written (https://docs.databricks.com/aws/en/sql/language-manual/functions/percentile_cont).
    """

    class Generator(Spark.Generator):
        TRANSFORMS = {k: v for k, v in Spark.Generator.TRANSFORMS.items() if k is not exp.WithinGroup}


class NotLocalFunctionError(LakehouseError):
    """Databricks SQL with no faithful local behaviour (refused rather than answered differently).

    Example:
        >>> import sqlglot
        >>> spark_sql(sqlglot.parse_one("SELECT current_version().dbr_version", read="databricks"))
        Traceback (most recent call last):
        lakehouse.runtime.spark_sql.NotLocalFunctionError: [NOT_LOCAL_FUNCTION] current_version() ...
    """

    code = "NOT_LOCAL_FUNCTION"


def spark_sql(tree: exp.Expression) -> str:
    """The Spark SQL text of a parsed Databricks SQL statement (``tree`` is not changed).

    Args:
        tree: a statement parsed with ``read="databricks"``.

    Returns:
        The statement in Spark 4.2's SQL.

    Raises:
        NotLocalFunctionError: the statement calls ``current_version()`` or creates a table with
            ``CLUSTER BY AUTO``.
    """
    if tree.find(exp.CurrentVersion) is not None:
        raise NotLocalFunctionError(
            "current_version() is the Databricks Runtime's version struct (dbr_version, dbsql_version, "
            "u_build_hash, r_build_hash); the local runtime is open-source Spark, which has no such "
            f"value ({CURRENT_VERSION_DOC}).",
            fix="use version() (Spark's version string, on Databricks too) or spark.version in Python; keep "
                "current_version() for code that runs on Databricks only.")
    if any(str(c.this).upper() == "AUTO" for c in tree.find_all(exp.ClusterProperty)):
        raise NotLocalFunctionError(
            "CLUSTER BY AUTO (automatic liquid clustering) is Databricks' predictive optimization "
            f"choosing the keys; open-source Delta has no such feature ({CLUSTER_BY_AUTO_DOC}). sqlglot "
            "would drop the clause and create an unclustered table.",
            fix="name the clustering keys (CLUSTER BY (col, ...)), as lab 09 does; keep CLUSTER BY AUTO for "
                "code that runs on Databricks only.")

    def as_call(node: exp.Expression) -> exp.Expression:
        name = _AS_CALLS.get(type(node))
        if name:
            return exp.Anonymous(this=name, expressions=[])
        if isinstance(node, exp.ParseJSON):  # sqlglot's Spark writer drops the call: a string, not a VARIANT
            return exp.Anonymous(this="try_parse_json" if node.args.get("safe") else "parse_json",
                                 expressions=[node.this.transform(as_call)])
        if isinstance(node, exp.ToChar) and node.args.get("format") is not None:  # it wrote CAST(x AS STRING)
            return exp.Anonymous(this="to_char", expressions=[node.this.transform(as_call), node.args["format"]])
        return node

    return tree.transform(as_call).sql(dialect=SparkWriter)
