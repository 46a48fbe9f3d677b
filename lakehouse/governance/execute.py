"""Run one SQL statement with Unity Catalog's rules: the entry point behind ``lakehouse.sql``.

:func:`sql` parses the statement (Unity Catalog statements with :mod:`.grammar`, the rest with
sqlglot's ``databricks`` dialect), then :func:`run_tree` sends writes to :mod:`.writes` and reads
through :class:`.statement.Statement` (row filters, masks, privileges).

Example:
    >>> from lakehouse.governance.execute import sql   # doctest: +SKIP
    >>> sql("SHOW GRANTS ON TABLE main.lab10.customers")  # doctest: +SKIP
"""

from __future__ import annotations

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError

from .errors import GovernanceError, UcSyntaxError
from .catalogs import run_catalog_statement
from .functions import parse_function_statement, run_function_statement
from .grammar import CatalogStatement, parse_uc
from .principals import current_principal
from .statement import DIALECT, Statement, table_parts
from .store import Metastore
from .writes import run_uc_statement, run_write


def run_tree(st: Statement, tree: exp.Expression):
    """Check and run one parsed statement (see the module docstring)."""
    who = st.who
    if isinstance(tree, (exp.Insert, exp.Merge, exp.Update, exp.Delete, exp.Create, exp.Drop)):
        return run_write(st, tree)
    if isinstance(tree, exp.Query):
        st.inline_calls(tree, check=not who.is_admin)  # direct calls need EXECUTE
        return st.finish(st.secure_reads(tree, rights=who))
    if not who.is_admin:
        for table in tree.find_all(exp.Table):
            st.require("read", "TABLE", st.full(table_parts(table)))
    st.audit("commandSubmit", {})
    return st.finish(tree)


def sql(statement: str, *, spark=None):
    """Run one SQL statement as the acting principal, with Unity Catalog's rules (see the module docstring).

    Raises:
        PermissionDeniedError: a privilege is missing (``PERMISSION_DENIED``, names it and the object).
        UcSyntaxError: a Unity Catalog statement that does not follow the Databricks syntax.
        GovernanceError: anything else the emulation cannot accept (the message says what).
    """
    from ..runtime.paths import on_databricks
    from ..runtime.session import get_spark

    if not isinstance(statement, str) or not statement.strip():
        raise GovernanceError(f"expected one SQL statement (str), got {statement!r}.")
    spark = spark or get_spark()
    if on_databricks():
        return spark.sql(statement)
    st = Statement(spark, statement, current_principal(), Metastore.load())
    uc = parse_uc(statement)
    if isinstance(uc, CatalogStatement):
        return run_catalog_statement(st, uc)
    if uc is not None:  # a Unity Catalog statement Spark has no grammar for
        return run_uc_statement(st, uc)
    functions = parse_function_statement(statement)
    if functions is not None:  # SQL functions live in the local metastore, not in Spark
        return run_function_statement(st, functions)
    try:
        trees = sqlglot.parse(statement, read=DIALECT)
    except ParseError as exc:
        if st.who.is_admin:  # Spark may know what sqlglot does not (DESCRIBE DETAIL ...)
            st.audit("commandSubmit", {}, flush=True)
            return spark.sql(statement)
        raise UcSyntaxError(f"cannot parse this statement: {statement[:200]} ({str(exc).splitlines()[0]})",
                            fix="check the SQL syntax; one statement per call.") from None
    if len([t for t in trees if t is not None]) != 1:
        raise GovernanceError(f"lakehouse.sql runs one statement at a time, got {len(trees)}: {statement[:200]}",
                              fix="call it once per statement.")
    return run_tree(st, trees[0])
