"""Run one SQL statement under Unity Catalog's rules: check, rewrite, run, audit, lineage.

An ordinary statement is parsed with sqlglot (Databricks dialect) and checked against the
metastore state (:mod:`.privileges`); every table it reads becomes, in the tree, a subquery that
applies the table's row filter and column masks, with the filter and mask functions inlined and
``current_user()`` / ``is_account_group_member()`` / ``is_member()`` answered for the acting
principal. A view that ``lakehouse.sql`` created is expanded in place: its base tables are
checked with the view owner's rights, while their filters and masks still evaluate for the
reader (https://docs.databricks.com/aws/en/data-governance/unity-catalog/filters-and-masks).
The rewritten tree is written as Spark SQL by sqlglot (``:`` JSON paths become
``get_json_object``) and Spark runs it, so the filter and the masks are part of the query
plan for every read path: direct reads, joins and self-joins, subqueries, CTEs, views,
CTAS / INSERT ... SELECT / MERGE sources.

Example:
    >>> from lakehouse.governance.statement import identity_literals
    >>> import sqlglot
    >>> from lakehouse.governance.principals import Principal
    >>> tree = sqlglot.parse_one("SELECT current_user(), is_account_group_member('support')", read="databricks")
    >>> identity_literals(tree, Principal("s@x", ("support",))).sql("spark")
    "SELECT 's@x', 'support' IN ('support')"
"""

from __future__ import annotations

import sqlglot
from sqlglot import exp

from .errors import GovernanceError, NotFoundError, PermissionDeniedError
from .grammar import unquote
from .principals import Principal, directory
from .privileges import missing
from .store import Metastore
from ..runtime.catalogs import SESSION_CATALOG
from ..runtime.names import quote_name
from ..runtime.spark_sql import spark_sql
from .systables import LOCAL_SCHEMA, SYSTEM_TABLES, append, audit_event, ingest

FILE_FORMATS = {"json", "csv", "parquet", "delta", "text", "orc", "avro", "binaryfile"}
GRANTS_SCHEMA = "principal STRING, actionType STRING, objectType STRING, objectKey STRING"
TAG_TABLES = {"column_tags": ("catalog_name", "schema_name", "table_name", "column_name", "tag_name", "tag_value"),
              "table_tags": ("catalog_name", "schema_name", "table_name", "tag_name", "tag_value")}
DIALECT = "databricks"
"""The sqlglot dialect statements are parsed in."""


def identity_literals(tree: exp.Expression, who: Principal) -> exp.Expression:
    """``current_user()`` and group-membership calls replaced by their answer for ``who``."""
    groups = [exp.Literal.string(g) for g in who.groups]

    def answer(node):
        if isinstance(node, exp.CurrentUser):
            return exp.Literal.string(who.email)
        if isinstance(node, exp.Anonymous) and node.name.lower() in ("is_account_group_member", "is_member"):
            if len(node.expressions) != 1:
                raise GovernanceError(f"{node.name}() takes one group name, got {node.sql(DIALECT)}.")
            return exp.In(this=node.expressions[0], expressions=[g.copy() for g in groups])
        return node

    return tree.transform(answer, copy=False)


def quoted(name: str) -> str:
    """A resolved dotted name (``catalog.schema.table``, parts unquoted) quoted for Spark SQL.

    Example:
        >>> quoted("spark_catalog.s.t")
        '`spark_catalog`.`s`.`t`'
    """
    return quote_name(tuple(name.split(".")))


def table_parts(table: exp.Table) -> list[str]:
    """The lower-cased ``[catalog, schema, name]`` parts a sqlglot table node names (those present)."""
    return [p.lower() for p in (table.catalog, table.db, table.name) if p]


class Statement:
    """One governed statement: who runs it, the metastore state, and what it read and wrote."""

    def __init__(self, spark, text: str, who: Principal, store: Metastore):
        self.spark, self.text, self.who, self.store = spark, text, who, store
        self.reads: list[tuple[str, str]] = []   # (full name or path, TABLE / VIEW / PATH)
        self.aliases: dict[str, str] = {}        # alias -> full name of the top-level sources
        self.events: list[dict] = []
        self._current: tuple[str, str] | None = None
        self._temp_views: set[str] | None = None

    # names -------------------------------------------------------------------------------------
    def _where(self) -> tuple[str, str]:
        """(current catalog, current schema) of the session: one round trip, then kept."""
        if self._current is None:
            row = self.spark.sql("SELECT current_catalog(), current_schema()").first()
            self._current = (row[0].lower(), row[1].lower())
        return self._current

    def current_catalog(self) -> str:
        return self._where()[0]

    def current_schema(self) -> str:
        return self._where()[1]

    def is_temp_view(self, parts: list[str]) -> bool:
        """A one-part name of a temporary view: a session object, not a securable (never qualified
        with a catalog or schema; one made through ``lakehouse.sql`` was secured when created).

        Temporary views live in the session catalog: Spark lists them beside the views of any of its
        schemas, while ``SHOW VIEWS`` in another current catalog (``main`` is our plugin's) lists only
        that catalog's views, so the listing names ``spark_catalog.default`` (always there)."""
        if len(parts) != 1:
            return False
        if self._temp_views is None:
            rows = self.spark.sql(f"SHOW VIEWS IN {SESSION_CATALOG}.default").collect()
            self._temp_views = {r.viewName.lower() for r in rows if r.isTemporary}
        return parts[0] in self._temp_views

    def full(self, parts: list[str]) -> str:
        """``catalog.schema.name`` for a 1-, 2- or 3-part name (the session's current catalog and schema)."""
        if len(parts) == 3:
            return ".".join(parts)
        if len(parts) == 2:
            return f"{self.current_catalog()}.{parts[0]}.{parts[1]}"
        return f"{self.current_catalog()}.{self.current_schema()}.{parts[0]}"

    def full_name(self, name: str, kind: str = "TABLE") -> str:
        parts = unquote(name).split(".")
        if kind == "CATALOG":
            return parts[0]
        if kind == "SCHEMA":
            return ".".join(parts) if len(parts) == 2 else f"{self.current_catalog()}.{parts[0]}"
        return self.full(parts)

    # decisions ---------------------------------------------------------------------------------
    def require(self, action: str, kind: str, name: str, *, who: Principal | None = None,
                audit_action: str = "getTable") -> None:
        who = who or self.who
        lack = missing(self.store, who, action, kind, name)
        if lack:
            error = PermissionDeniedError(who.email, *lack)
            self.audit(audit_action, {"full_name_arg": name, "securable_type": kind},
                       status=403, error=str(error).splitlines()[0], flush=True)
            raise error

    def audit(self, action: str, params: dict, *, status: int = 200, error: str | None = None,
              flush: bool = False) -> None:
        self.events.append(audit_event(self.who.email, action, {**params, "commandText": self.text[:1000]},
                                       status=status, error=error))
        if flush:
            self.flush()

    def flush(self) -> None:
        append("audit", self.events)
        self.events = []

    # functions ---------------------------------------------------------------------------------
    def inline(self, name: str, args: list[exp.Expression]) -> exp.Expression:
        """The body of the SQL function ``name`` with its parameters bound to ``args``."""
        spec = self.store.functions.get(name)
        if spec is None:
            raise GovernanceError(f"function {name} does not exist.",
                                  fix="create it first with lakehouse.sql(\"CREATE FUNCTION ... RETURN ...\").")
        params = {p.lower(): (i, t) for i, (p, t) in enumerate(spec["params"])}
        if len(args) != len(params):
            raise GovernanceError(f"function {name} takes {len(params)} arguments, {len(args)} were given.",
                                  fix="pass one column or literal per parameter (ON (...) / USING COLUMNS (...)).")

        def bind(node):
            if isinstance(node, exp.Column) and not node.table and node.name.lower() in params:
                i, type_ = params[node.name.lower()]
                return exp.Cast(this=args[i].copy(), to=exp.DataType.build(type_, dialect=DIALECT))
            return node

        body = sqlglot.parse_one(spec["body"], read=DIALECT).transform(bind)
        if spec.get("returns"):
            body = exp.Cast(this=body, to=exp.DataType.build(spec["returns"], dialect=DIALECT))
        return exp.Paren(this=body)

    def _calls(self, tree: exp.Expression):
        """(node to replace, full name, call) of each call of a governed SQL function in ``tree``."""
        for call in list(tree.find_all(exp.Anonymous)):
            node, parts = call, [call.name.lower()]
            while isinstance(node.parent, exp.Dot) and node.parent.expression is node:
                node = node.parent
                left = node.this
                parts[:0] = [p.name.lower() for p in ([left] if not isinstance(left, exp.Dot) else left.flatten())]
            if len(parts) == 1 and not any(k.endswith("." + parts[0]) for k in self.store.functions):
                continue
            name = self.full(parts)
            if name in self.store.functions:
                yield node, name, call

    def inline_calls(self, tree: exp.Expression, *, check: bool) -> exp.Expression:
        for _ in range(10):  # functions calling functions, a few levels deep
            found = list(self._calls(tree))
            if not found:
                return tree
            for node, name, call in found:
                if check:
                    self.require("execute", "FUNCTION", name, audit_action="executeFunction")
                replacement = self.inline(name, list(call.expressions))
                if node is tree:
                    return replacement
                node.replace(replacement)
            check = False  # calls inside a function body run with the function's rights
        raise GovernanceError("SQL functions call each other more than 10 levels deep.")

    def _args(self, texts) -> list[exp.Expression]:
        return [sqlglot.parse_one(t, read=DIALECT) for t in texts]

    # reads -------------------------------------------------------------------------------------
    def secured(self, name: str, alias: str) -> exp.Expression:
        """``(SELECT <masked columns> FROM name WHERE <filter>) AS alias`` for a secured table."""
        row_filter, masks = self.store.filters.get(name), self.store.masks.get(name, {})
        if masks:
            columns = self.spark.table(quoted(name)).columns
            projection = [exp.alias_(self.inline(masks[c.lower()]["function"],
                                                 [exp.column(c, quoted=True), *self._args(masks[c.lower()]["arguments"])]),
                                     c, quoted=True) if c.lower() in masks else exp.column(c, quoted=True)
                          for c in columns]
        else:
            projection = [exp.Star()]
        query = exp.select(*projection).from_(exp.to_table(quoted(name), dialect=DIALECT))
        if row_filter:
            query = query.where(self.inline(row_filter["function"], self._args(row_filter["arguments"])))
        return exp.Subquery(this=query, alias=exp.TableAlias(this=exp.to_identifier(alias, quoted=True)))

    def _tags_table(self, which: str) -> exp.Expression:
        columns = TAG_TABLES[which]
        rows = []
        for kind, name, column, key, value in self.store.tags:
            parts = name.split(".")
            if kind in ("TABLE", "VIEW") and (column is not None) == (which == "column_tags"):
                rows.append([*parts, *([column] if column else []), key, value])
        if not rows:
            select = ", ".join(f"CAST(NULL AS STRING) AS {c}" for c in columns)
            return sqlglot.parse_one(f"(SELECT {select} WHERE FALSE)", read=DIALECT)
        values = ", ".join("(" + ", ".join(exp.Literal.string(v or "").sql() for v in r) + ")" for r in rows)
        return sqlglot.parse_one(f"(SELECT * FROM VALUES {values} AS t({', '.join(columns)}))", read=DIALECT)

    def secure_reads(self, tree: exp.Expression, *, rights: Principal, skip=(), top: bool = True) -> exp.Expression:
        """Check and rewrite every table ``tree`` reads (``skip``: the write targets)."""
        ctes = {c.alias_or_name.lower() for c in tree.find_all(exp.CTE)}
        skip_ids = {id(t) for t in skip}
        for table in list(tree.find_all(exp.Table)):
            if id(table) in skip_ids or not isinstance(table.this, exp.Identifier):
                continue
            parts = table_parts(table)
            if len(parts) == 1 and parts[0] in ctes or self.is_temp_view(parts):
                continue
            alias = table.alias or table.name
            if len(parts) == 2 and parts[0] in FILE_FORMATS and "/" in parts[1]:
                self.reads.append((table.name, "PATH"))
                continue
            if parts[:2] == ["system", "access"] and parts[2:] and parts[2] in SYSTEM_TABLES:
                self.flush()
                ingest(self.spark, parts[2])
                name = f"system.access.{parts[2]}"
                self.require("read", "TABLE", name, who=rights)
                table.set("catalog", exp.to_identifier(SESSION_CATALOG))
                table.set("db", exp.to_identifier(LOCAL_SCHEMA.split(".")[1]))
                self.audit("getTable", {"full_name_arg": name})
                continue
            if parts[:2] == ["system", "information_schema"] and parts[2:] and parts[2] in TAG_TABLES:
                replacement = self._tags_table(parts[2])
                table.replace(exp.Subquery(this=replacement.this, alias=exp.TableAlias(this=exp.to_identifier(alias))))
                continue
            name = self.full(parts)
            self.require("read", "TABLE", name, who=rights)
            if top:  # a view's own reads run with its owner's rights and are not the reader's reads
                self.audit("getTable", {"full_name_arg": name, "operation": "READ"})
            if name in self.store.views:
                if top:
                    self.reads.append((name, "VIEW"))
                owner = self.store.owner("TABLE", name)
                body = sqlglot.parse_one(self.store.views[name], read=DIALECT)
                body = self.secure_reads(body, rights=Principal(owner, directory().get(owner, ())), top=False)
                table.replace(exp.Subquery(this=body, alias=exp.TableAlias(this=exp.to_identifier(alias, quoted=True))))
            else:
                if top:
                    self.reads.append((name, "TABLE"))
                if self.store.secured(name):
                    table.replace(self.secured(name, alias))
            if top:
                self.aliases[alias.lower()] = name
        return tree

    # running -----------------------------------------------------------------------------------
    def finish(self, tree: exp.Expression):
        tree = identity_literals(self.inline_calls(tree, check=False), self.who)
        try:
            result = self.spark.sql(spark_sql(tree))
        except Exception as exc:
            self.explain_missing(exc)
            raise
        finally:
            self.flush()
        return result

    def explain_missing(self, exc: Exception) -> None:
        """Turn Spark's TABLE_OR_VIEW_NOT_FOUND / SCHEMA_NOT_FOUND for a name whose catalog or schema
        does not exist into our error naming it and the SHOW command that lists the real ones."""
        from ..runtime.catalogs import list_catalogs

        text = str(exc)
        if "TABLE_OR_VIEW_NOT_FOUND" not in text and "SCHEMA_NOT_FOUND" not in text:
            return
        catalogs = None
        for name, _ in self.reads:
            catalog, schema = name.split(".")[:2]
            catalogs = catalogs or list_catalogs(self.spark)
            if catalog not in catalogs and catalog != SESSION_CATALOG:
                raise NotFoundError("NO_SUCH_CATALOG_EXCEPTION", f"The catalog '{catalog}' of {name} was not found.",
                                    fix="SHOW CATALOGS lists the catalogs; CREATE CATALOG makes one.") from None
            if not self.spark.catalog.databaseExists(f"`{catalog}`.`{schema}`"):
                raise NotFoundError("SCHEMA_NOT_FOUND", f"The schema '{catalog}.{schema}' of {name} was not found.",
                                    fix=f"SHOW SCHEMAS IN {catalog} lists its schemas; "
                                        f"CREATE SCHEMA {catalog}.{schema} makes it.") from None


def target_table(node: exp.Expression) -> exp.Table | None:
    """The table a CREATE/INSERT node writes (its ``this``, through a column list), or None."""
    node = node.this if isinstance(node, exp.Schema) else node
    return node if isinstance(node, exp.Table) else None
