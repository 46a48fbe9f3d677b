"""CREATE / DROP / USE / SHOW CATALOG(S) through ``lakehouse.sql``, on the local catalogs of
:mod:`lakehouse.runtime.catalogs` (Spark 4.2 has no grammar for them).

Databricks reference pages followed:
https://docs.databricks.com/aws/en/sql/language-manual/sql-ref-syntax-ddl-create-catalog ,
.../sql-ref-syntax-ddl-drop-catalog , .../sql-ref-syntax-ddl-use-catalog ,
.../sql-ref-syntax-aux-show-catalogs . A new catalog has a ``default`` schema, as on Databricks;
``USE CATALOG`` resets the current schema to ``default``; ``SHOW CATALOGS`` returns one column,
``catalog``, and its pattern works like a regular expression except ``*`` (any characters) and
``|`` (alternatives), case-insensitive.

Example:
    >>> matches("pay*", "payroll_cat"), matches("pay*|main", "main"), matches("pay*", "main")
    (True, True, False)
"""

from __future__ import annotations

import re

from ..runtime.catalogs import (SEPARATOR, SESSION_CATALOG, catalogs_enabled, check_catalog_name,
                                default_catalog, list_catalogs, register_catalogs)
from .errors import AlreadyExistsError, GovernanceError, NotFoundError, PermissionDeniedError
from .grammar import CatalogStatement
from .statement import Statement

SHOW_SCHEMA = "catalog STRING"


def matches(pattern: str, name: str) -> bool:
    """Whether ``name`` matches a SHOW ... LIKE pattern (``*`` any characters, ``|`` alternatives)."""
    options = [p.strip().replace("*", ".*") for p in pattern.strip().split("|")]
    return any(re.fullmatch(p, name, re.I) for p in options if p)


def missing_catalog(name: str) -> NotFoundError:
    """The error for a catalog that does not exist (names SHOW CATALOGS)."""
    return NotFoundError("NO_SUCH_CATALOG_EXCEPTION", f"The catalog '{name}' was not found.",
                         fix="SHOW CATALOGS lists the catalogs; CREATE CATALOG makes one.")


def _schemas(spark, catalog: str) -> list[str]:
    prefix = f"{catalog}{SEPARATOR}"
    rows = spark.sql(f"SHOW SCHEMAS IN {SESSION_CATALOG} LIKE '{prefix}*'").collect()
    return [r[0] for r in rows if r[0].startswith(prefix) and r[0] != prefix]


def _require_plugin(spark) -> None:
    if not catalogs_enabled(spark):
        raise GovernanceError("Catalogs need the course's catalog plugin (built with the Delta Connect plugin "
                              "by `make setup`), and this engine runs without it.",
                              fix="run `make setup` (Maven needed) then `lakehouse engine restart`.")


def run_catalog_statement(st: Statement, uc: CatalogStatement):
    """Run one catalog statement; returns a DataFrame (SHOW CATALOGS) or an empty one."""
    spark = st.spark
    if uc.verb == "SHOW":
        names = [n for n in list_catalogs(spark) if uc.pattern is None or matches(uc.pattern, n)]
        st.audit("getCatalogs", {}, flush=True)
        return spark.createDataFrame([(n,) for n in names], SHOW_SCHEMA)
    _require_plugin(spark)
    name, known = uc.name, list_catalogs(spark)
    if uc.verb == "CREATE":
        check_catalog_name(name, GovernanceError)
        if not st.who.is_admin:  # CREATE CATALOG is a metastore privilege; locally admins hold it
            raise PermissionDeniedError(st.who.email, "CREATE CATALOG", "METASTORE")
        if uc.location:
            raise GovernanceError("CREATE CATALOG ... MANAGED LOCATION is not supported locally: managed tables "
                                  "live under LAKEHOUSE_HOME/warehouse.", fix="leave MANAGED LOCATION out.")
        if name in known:
            if uc.if_clause:
                return _done(st, "createCatalog", name)
            raise AlreadyExistsError(f"[CATALOG_ALREADY_EXISTS] Catalog '{name}' already exists.",
                                     fix=f"use CREATE CATALOG IF NOT EXISTS {name}, or another name.")
        comment = (uc.comment or f"catalog {name}").replace("'", "\\'")
        spark.sql(f"CREATE SCHEMA {SESSION_CATALOG}.`{name}{SEPARATOR}` COMMENT '{comment}'")
        spark.sql(f"CREATE SCHEMA IF NOT EXISTS {SESSION_CATALOG}.`{name}{SEPARATOR}default`")
        register_catalogs(spark, [name])
        st.store.set_owner("CATALOG", name, st.who.email)
        st.store.save()
        return _done(st, "createCatalog", name)
    if name not in known:
        if uc.verb == "DROP" and uc.if_clause:
            return _done(st, "deleteCatalog", name)
        raise missing_catalog(name)
    if uc.verb == "USE":
        st.require("use", "CATALOG", name, audit_action="useCatalog")
        register_catalogs(spark, [name])
        spark.catalog.setCurrentCatalog(name)  # the current schema becomes `default`, as documented
        return _done(st, "useCatalog", name)
    # DROP
    if name == default_catalog():
        raise GovernanceError(f"The default catalog {name} cannot be dropped locally: it holds the "
                              f"{SESSION_CATALOG} schemas every lab uses.", fix="drop its schemas instead.")
    st.require("manage", "CATALOG", name, audit_action="deleteCatalog")
    schemas = _schemas(spark, name)
    used = [s for s in schemas if s != f"{name}{SEPARATOR}default"
            or spark.sql(f"SHOW TABLES IN {SESSION_CATALOG}.`{s}`").limit(1).collect()]
    if used and not uc.cascade:
        shown = ", ".join(f"{name}.{s[len(name) + len(SEPARATOR):]}" for s in used)
        raise GovernanceError(f"[CATALOG_NOT_EMPTY] Catalog '{name}' holds {shown}; DROP CATALOG restricts "
                              "dropping a non-empty catalog by default.", fix=f"DROP CATALOG {name} CASCADE.")
    for schema in schemas:
        spark.sql(f"DROP SCHEMA {SESSION_CATALOG}.`{schema}` CASCADE")
    spark.sql(f"DROP SCHEMA {SESSION_CATALOG}.`{name}{SEPARATOR}`")
    if spark.catalog.currentCatalog() == name:
        spark.catalog.setCurrentCatalog(default_catalog())
    st.store.forget(name)
    st.store.save()
    return _done(st, "deleteCatalog", name)


def _done(st: Statement, action: str, name: str):
    st.audit(action, {"name": name}, flush=True)
    return st.spark.createDataFrame([], "result STRING")
