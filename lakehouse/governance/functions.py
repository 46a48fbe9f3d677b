"""SHOW FUNCTIONS and DESCRIBE FUNCTION through ``lakehouse.sql``, on the local metastore.

SQL functions made with ``CREATE FUNCTION ... RETURN`` live in the local metastore (their calls
are inlined, :meth:`.statement.Statement.inline`), not in Spark; and the course's catalogs other
than ``spark_catalog`` are table catalogs, so Spark itself answers these two statements with
``MISSING_CATALOG_ABILITY.FUNCTIONS``. Here they are answered as Databricks documents them:

* ``SHOW [USER | SYSTEM | ALL] FUNCTIONS [{FROM | IN} schema] [[LIKE] pattern]``: one column
  ``function``; user functions as ``catalog.schema.name`` of the schema (default: the current
  one), system functions by name, ``*`` and ``|`` in the pattern
  (https://docs.databricks.com/aws/en/sql/language-manual/sql-ref-syntax-aux-show-functions).
* ``{DESC | DESCRIBE} FUNCTION [EXTENDED] name``: one column ``function_desc``; for a SQL
  function ``Function:``, ``Type:``, ``Input:``, ``Returns:`` and, EXTENDED, ``Owner:`` and
  ``Body:`` (https://docs.databricks.com/aws/en/sql/language-manual/sql-ref-syntax-aux-describe-function);
  a built-in function is described by Spark.

Example:
    >>> parse_function_statement("SHOW USER FUNCTIONS IN main.lab10 LIKE 'mask*'")
    FunctionStatement(verb='SHOW', kind='USER', name='main.lab10', pattern='mask*', extended=False)
    >>> parse_function_statement("DESCRIBE FUNCTION EXTENDED lab10.mask_email").name
    'lab10.mask_email'
    >>> parse_function_statement("SELECT 1") is None
    True
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .catalogs import matches
from .errors import GovernanceError
from .grammar import unquote
from .privileges import holds

_NAME = r"(?P<name>[`\w.]+)"
_SHOW = re.compile(r"^\s*SHOW\s+(?:(?P<kind>USER|SYSTEM|ALL)\s+)?FUNCTIONS"
                   rf"(?:\s+(?:FROM|IN)\s+{_NAME})?(?:\s+(?:LIKE\s+)?(?P<pattern>'[^']*'|\"[^\"]*\"|[`\w.*|]+))?"
                   r"\s*;?\s*$", re.I | re.S)
_DESCRIBE = re.compile(rf"^\s*DESC(?:RIBE)?\s+FUNCTION\s+(?P<extended>EXTENDED\s+)?{_NAME}\s*;?\s*$", re.I | re.S)


@dataclass(frozen=True)
class FunctionStatement:
    """A parsed ``SHOW ... FUNCTIONS`` (``name`` = the schema, if given) or ``DESCRIBE FUNCTION``."""

    verb: str
    kind: str = "ALL"
    name: str | None = None
    pattern: str | None = None
    extended: bool = False


def parse_function_statement(text: str) -> FunctionStatement | None:
    """``text`` as a :class:`FunctionStatement`, or None when it is neither statement.

    Args:
        text: one SQL statement.

    Returns:
        The statement, or None.
    """
    m = _SHOW.match(text)
    if m:
        pattern = m["pattern"]
        if pattern and pattern[0] in "'\"":
            pattern = pattern[1:-1]
        return FunctionStatement("SHOW", (m["kind"] or "ALL").upper(), m["name"] and unquote(m["name"]),
                                 pattern)
    m = _DESCRIBE.match(text)
    if m:
        return FunctionStatement("DESCRIBE", name=unquote(m["name"]), extended=bool(m["extended"]))
    return None


def run_function_statement(st, fs: FunctionStatement):
    """Answer ``fs`` from the local metastore (user functions) and Spark (built-in functions).

    Args:
        st: the :class:`.statement.Statement` being run (session, principal, metastore).
        fs: the parsed statement.

    Returns:
        A DataFrame with the documented column (``function`` or ``function_desc``).

    Raises:
        GovernanceError: ``ROUTINE_NOT_FOUND`` for DESCRIBE of a function that does not exist.
    """
    from ..runtime.catalogs import SESSION_CATALOG

    st.audit("commandSubmit", {}, flush=True)
    if fs.verb == "SHOW":
        names: list[str] = []
        if fs.kind in ("USER", "ALL"):
            schema = st.full_name(fs.name, "SCHEMA") if fs.name else \
                f"{st.current_catalog()}.{st.current_schema()}"
            names += sorted(n for n in st.store.functions
                            if n.rsplit(".", 1)[0] == schema and _visible(st, n)
                            and (not fs.pattern or matches(fs.pattern, n.rsplit(".", 1)[1])))
        if fs.kind in ("SYSTEM", "ALL"):
            like = f" LIKE '{fs.pattern}'" if fs.pattern else ""
            rows = st.spark.sql(f"SHOW SYSTEM FUNCTIONS IN {SESSION_CATALOG}.default{like}").collect()
            names += [r.function for r in rows]
        return st.spark.createDataFrame([(n,) for n in names], "function STRING")
    name = st.full(fs.name.lower().split("."))
    udf = st.store.functions.get(name)
    if udf is None:
        if "." not in fs.name:  # a built-in function: Spark describes it
            extended = " EXTENDED" if fs.extended else ""
            return st.spark.sql(f"DESCRIBE FUNCTION{extended} {fs.name}")
        raise GovernanceError(f"[ROUTINE_NOT_FOUND] function {name} does not exist.",
                              fix=f"SHOW USER FUNCTIONS IN {name.rsplit('.', 1)[0]} lists the functions there.")
    lines = [f"Function: {name}", "Type:     SCALAR",
             "Input:    " + ", ".join(f"{p} {t}" for p, t in udf["params"]) if udf["params"] else "Input:    ()",
             f"Returns:  {udf.get('returns') or ''}"]
    if fs.extended:
        lines += [f"Owner:    {st.store.owner('FUNCTION', name) or ''}", f"Body:     {udf['body']}"]
    return st.spark.createDataFrame([(line,) for line in lines], "function_desc STRING")


def _visible(st, name: str) -> bool:
    """Whether the acting principal may see the function ``name`` (admin, owner or EXECUTE)."""
    return holds(st.store, st.who, "EXECUTE", "FUNCTION", name)
