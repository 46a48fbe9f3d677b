"""The statements that change things: writes, DDL, SQL functions, and the Unity Catalog
statements of :mod:`.grammar` (grants, row filters, masks, tags).

Privileges each one needs (https://docs.databricks.com/aws/en/data-governance/unity-catalog/manage-privileges/privileges):
INSERT / MERGE / UPDATE / DELETE need MODIFY on the target (and SELECT on what they read);
CREATE TABLE / VIEW (also CTAS) need CREATE TABLE on the schema, CREATE FUNCTION needs CREATE
FUNCTION; DROP, GRANT / REVOKE, SET ROW FILTER, SET MASK and SET TAGS need ownership or MANAGE
(tags also APPLY TAG); SHOW GRANTS needs ownership, MANAGE, or asking about oneself. The
creator of an object owns it.

Example:
    >>> from lakehouse.governance.writes import GRANTS_COLUMNS
    >>> GRANTS_COLUMNS
    ('principal', 'actionType', 'objectType', 'objectKey')
"""

from __future__ import annotations

from sqlglot import exp

from ..runtime.catalogs import SESSION_CATALOG, list_catalogs
from .catalogs import missing_catalog
from .errors import GovernanceError, NotFoundError, PermissionDeniedError
from .grammar import ColumnMask, Grant, RowFilter, ShowGrants, Tags
from .lineage import column_pairs, lineage_rows, merge_pairs
from .principals import ADMIN, ALL_USERS, Principal
from .privileges import ancestors, holds
from .statement import DIALECT, GRANTS_SCHEMA, Statement, identity_literals, quoted, table_parts, target_table
from .systables import append

GRANTS_COLUMNS = tuple(c.split()[0] for c in GRANTS_SCHEMA.split(", "))
NOBODY = Principal("spark.sql@local", (ALL_USERS,))   # whom a governed view's Spark copy answers for


def _empty(spark):
    return spark.createDataFrame([], "result STRING")


def _lineage(st: Statement, target: str, pairs) -> None:
    tables, columns = lineage_rows(st.reads, target, "TABLE", pairs, st.who.email)
    append("table_lineage", tables)
    append("column_lineage", columns)


def _columns_of(st: Statement):
    def columns(full: str) -> list[str]:
        return st.spark.table(quoted(full)).columns
    return columns


def _write(st: Statement, tree: exp.Expression, target: exp.Table):
    """INSERT / MERGE / UPDATE / DELETE: MODIFY on the target, SELECT on the sources."""
    name = st.full(table_parts(target))
    st.require("write", "TABLE", name, audit_action="generateTemporaryTableCredential")
    pairs = []
    if isinstance(tree, exp.Insert):
        st.secure_reads(tree.expression, rights=st.who)
        listed = [i.name for i in tree.this.expressions] if isinstance(tree.this, exp.Schema) else None
        pairs = column_pairs(tree.expression, st.aliases, _columns_of(st), listed)
    elif isinstance(tree, exp.Merge):
        source = tree.args["using"]
        alias = (source.alias or (source.name if isinstance(source, exp.Table) else "")).lower()
        st.secure_reads(source, rights=st.who)
        pairs = merge_pairs(tree, st.aliases.get(alias), alias, _columns_of(st))
    else:
        st.secure_reads(tree, rights=st.who, skip=[target])
    st.audit("generateTemporaryTableCredential", {"full_name_arg": name, "operation": "READ_WRITE"})
    result = st.finish(tree)
    if isinstance(tree, (exp.Insert, exp.Merge)):
        _lineage(st, name, pairs)
    return result


def _spark_view_body(st: Statement, query: exp.Expression) -> exp.Expression:
    """The view's query as Spark stores it: filters, masks and identity answered for :data:`NOBODY`."""
    anon = Statement(st.spark, st.text, NOBODY, st.store)
    body = anon.secure_reads(query.copy(), rights=Principal(ADMIN, ("admins",)))
    return identity_literals(anon.inline_calls(body, check=False), NOBODY)


def _create(st: Statement, tree: exp.Create, kind: str):
    if kind == "VIEW" and tree.find(exp.TemporaryProperty) is not None:
        # a temporary view is a session object, not a securable: no privilege on a schema, nothing
        # recorded; its query reads with the creator's rights (filters and masks inlined), as the
        # session that made it is the only one that sees it
        # (https://docs.databricks.com/aws/en/sql/language-manual/sql-ref-syntax-ddl-create-view)
        if tree.expression is not None:
            st.secure_reads(tree.expression, rights=st.who)
        return st.finish(tree)
    target = target_table(tree.this)
    name = st.full(table_parts(target))
    schema = name.rsplit(".", 1)[0]
    action = "createView" if kind == "VIEW" else "createTable"
    st.require("create_table", "SCHEMA", schema, audit_action=action)
    if st.store.owners.get(f"TABLE {name}") not in (None, st.who.email):
        st.require("manage", "TABLE", name, audit_action=action)  # replacing someone else's object
    query = tree.expression
    if kind == "TABLE" and tree.find(exp.FileFormatProperty) is None:  # Databricks' default table format
        properties = tree.args.get("properties") or exp.Properties(expressions=[])
        properties.append("expressions", exp.FileFormatProperty(this=exp.Var(this="DELTA")))
        tree.set("properties", properties)
    if kind == "VIEW" and query is not None:
        st.secure_reads(query.copy(), rights=st.who)  # the creator must be able to read what the view reads
        st.store.views[name] = query.sql(DIALECT)
        tree.set("expression", _spark_view_body(st, query))
    elif query is not None:
        st.secure_reads(query, rights=st.who, skip=[target])
    elif (location := tree.find(exp.LocationProperty)) is not None:  # a table over files: lineage from the path
        st.reads.append((location.this.name, "PATH"))
    st.audit(action, {"full_name_arg": name})
    result = st.finish(tree)
    st.store.set_owner("TABLE", name, st.who.email)
    st.store.save()
    if kind == "TABLE" and st.reads:
        _lineage(st, name, column_pairs(query, st.aliases, _columns_of(st)) if query is not None else [])
    return result


def _create_function(st: Statement, tree: exp.Create):
    udf, body = tree.this, tree.expression
    if not isinstance(body, exp.Return):  # LANGUAGE PYTHON and the like: Spark's business
        return st.finish(tree)
    name = st.full(table_parts(udf.this))
    st.require("create_function", "SCHEMA", name.rsplit(".", 1)[0], audit_action="createFunction")
    if name in st.store.functions and not tree.args.get("replace"):
        if tree.args.get("exists"):
            return _empty(st.spark)
        raise GovernanceError(f"[ROUTINE_ALREADY_EXISTS] function {name} already exists.",
                              fix="use CREATE OR REPLACE FUNCTION, or DROP FUNCTION first.")
    returns = next((p.this.sql(DIALECT) for p in (tree.args.get("properties") or exp.Properties()).expressions
                    if isinstance(p, exp.ReturnsProperty)), None)
    st.store.functions[name] = {"params": [[c.name, c.args["kind"].sql(DIALECT)] for c in udf.expressions],
                                "returns": returns, "body": body.this.sql(DIALECT)}
    st.store.set_owner("FUNCTION", name, st.who.email)
    st.store.save()
    st.audit("createFunction", {"full_name_arg": name}, flush=True)
    return _empty(st.spark)


def _drop(st: Statement, tree: exp.Drop):
    kind = (tree.args.get("kind") or "").upper()
    kind = {"DATABASE": "SCHEMA", "VIEW": "TABLE"}.get(kind, kind)
    target = tree.this if isinstance(tree.this, exp.Table) else next(iter(tree.args.get("tables") or []), None)
    parts = table_parts(target) if isinstance(target, exp.Table) else []  # sqlglot 30: DROP's name in tables
    if kind not in ("TABLE", "SCHEMA", "FUNCTION") or not parts:
        return _other(st, tree)
    name = st.full(parts) if kind != "SCHEMA" else st.full_name(".".join(parts), "SCHEMA")
    action = {"TABLE": "deleteTable", "SCHEMA": "deleteSchema", "FUNCTION": "deleteFunction"}[kind]
    st.require("manage", kind, name, audit_action=action)
    st.audit(action, {"full_name_arg": name})
    if kind == "FUNCTION":
        if name not in st.store.functions and not tree.args.get("exists"):
            raise GovernanceError(f"[ROUTINE_NOT_FOUND] function {name} does not exist.",
                                  fix="check the name, or use DROP FUNCTION IF EXISTS.")
        result = _empty(st.spark)
        st.flush()
    else:
        result = st.finish(tree)
    st.store.forget(name)
    st.store.save()
    return result


def _other(st: Statement, tree: exp.Expression):
    if not st.who.is_admin:
        for table in tree.find_all(exp.Table):
            st.require("manage", "TABLE", st.full(table_parts(table)), audit_action="updateTables")
    st.audit("commandSubmit", {})
    return st.finish(tree)


def run_write(st: Statement, tree: exp.Expression):
    """Check and run a write or DDL statement."""
    if isinstance(tree, exp.Create):
        kind = (tree.args.get("kind") or "").upper()
        if kind == "FUNCTION":
            return _create_function(st, tree)
        if kind in ("TABLE", "VIEW") and target_table(tree.this) is not None:
            return _create(st, tree, kind)
        if kind in ("SCHEMA", "DATABASE") and not st.who.is_admin:
            parts = table_parts(tree.this)
            catalog = parts[0] if len(parts) == 2 else st.current_catalog()
            st.require("use", "CATALOG", catalog)
            if not holds(st.store, st.who, "CREATE SCHEMA", "CATALOG", catalog):
                error = PermissionDeniedError(st.who.email, "CREATE SCHEMA", f"CATALOG {catalog}")
                st.audit("createSchema", {}, status=403, error=str(error).splitlines()[0], flush=True)
                raise error
        return _other(st, tree)
    if isinstance(tree, exp.Drop):
        return _drop(st, tree)
    target = target_table(tree.this)
    if target is None:
        return _other(st, tree)
    return _write(st, tree, target)


# Unity Catalog statements -----------------------------------------------------------------------
def _exists(st: Statement, kind: str, name: str) -> None:
    spark = st.spark
    ok = {"CATALOG": lambda: name == SESSION_CATALOG or name in list_catalogs(spark),
          "SCHEMA": lambda: spark.catalog.databaseExists(quoted(name)),
          "TABLE": lambda: name in st.store.views or spark.catalog.tableExists(quoted(name)),
          "FUNCTION": lambda: name in st.store.functions}[kind]()
    if not ok:
        if kind == "CATALOG":
            raise missing_catalog(name)
        parent = name.rsplit(".", 1)[0]
        code, show = {"TABLE": ("TABLE_OR_VIEW_NOT_FOUND", f"SHOW TABLES IN {parent}"),
                      "SCHEMA": ("SCHEMA_NOT_FOUND", f"SHOW SCHEMAS IN {parent}"),
                      "FUNCTION": ("ROUTINE_NOT_FOUND", f"SHOW USER FUNCTIONS IN {parent}")}[kind]
        raise NotFoundError(code, f"{kind} {name} does not exist.", fix=f"{show} lists what exists; check the three-level name.")


def _function_spec(st: Statement, function: str, arguments, *, extra: int = 0) -> str:
    name = st.full_name(function, "FUNCTION")
    _exists(st, "FUNCTION", name)
    st.require("execute", "FUNCTION", name, audit_action="updateTables")
    wanted = len(st.store.functions[name]["params"])
    if wanted != len(arguments) + extra:
        raise GovernanceError(f"function {name} takes {wanted} arguments; the statement passes {len(arguments) + extra}.",
                              fix="pass one column or literal per parameter.")
    return name


def _show_grants(st: Statement, uc: ShowGrants):
    name = st.full_name(uc.name, uc.kind)
    if uc.principal != st.who.email:
        st.require("manage", uc.kind, name, audit_action="getPermissions")
    rows = [(p, priv, k, n) for k, n in ancestors(uc.kind, name) for p, priv, _, _ in st.store.grants_on(k, n)
            if uc.principal in (None, p)]
    st.audit("getPermissions", {"securable_type": uc.kind, "securable_full_name": name}, flush=True)
    return st.spark.createDataFrame(rows, GRANTS_SCHEMA)


def run_uc_statement(st: Statement, uc):
    """Run a GRANT / REVOKE / SHOW GRANTS / ROW FILTER / MASK / TAGS statement on the local metastore."""
    store = st.store
    if isinstance(uc, ShowGrants):
        return _show_grants(st, uc)
    if isinstance(uc, Grant):
        name = st.full_name(uc.name, uc.kind)
        st.require("manage", uc.kind, name, audit_action="updatePermissions")
        _exists(st, uc.kind, name)
        (store.revoke if uc.revoke else store.grant)(uc.principal, uc.privileges, uc.kind, name)
        change = "remove" if uc.revoke else "add"
        st.audit("updatePermissions", {"securable_type": uc.kind, "securable_full_name": name,
                                       "changes": f"{change} {', '.join(uc.privileges)} for {uc.principal}"})
    elif isinstance(uc, RowFilter):
        name = st.full_name(uc.table)
        st.require("manage", "TABLE", name, audit_action="updateTables")
        _exists(st, "TABLE", name)
        if uc.function:
            store.filters[name] = {"function": _function_spec(st, uc.function, uc.arguments),
                                   "arguments": list(uc.arguments)}
        else:
            store.filters.pop(name, None)
        st.audit("updateTables", {"full_name_arg": name, "row_filter": uc.function or "DROP"})
    elif isinstance(uc, ColumnMask):
        name = st.full_name(uc.table)
        st.require("manage", "TABLE", name, audit_action="updateTables")
        _exists(st, "TABLE", name)
        columns = [c.lower() for c in st.spark.table(quoted(name)).columns]
        if uc.column not in columns:
            raise GovernanceError(f"[UNRESOLVED_COLUMN] table {name} has no column {uc.column}.",
                                  fix=f"use one of {', '.join(columns)}.")
        masks = store.masks.setdefault(name, {})
        if uc.function:
            masks[uc.column] = {"function": _function_spec(st, uc.function, uc.arguments, extra=1),
                                "arguments": list(uc.arguments)}
        else:
            masks.pop(uc.column, None)
        st.audit("updateTables", {"full_name_arg": name, "column_mask": f"{uc.column}: {uc.function or 'DROP'}"})
    elif isinstance(uc, Tags):
        kind = "TABLE" if uc.kind == "VIEW" else uc.kind
        name = st.full_name(uc.name, kind)
        if not holds(store, st.who, "APPLY TAG", kind, name):
            st.require("manage", kind, name, audit_action="updateTables")
        _exists(st, kind, name)
        store.set_tags(kind, name, uc.column, uc.tags, uc.unset)
        st.audit("updateTables", {"full_name_arg": name, "column": uc.column,
                                  "tags": ", ".join(k for k, _ in uc.tags), "unset": uc.unset})
    store.save()
    st.flush()
    return _empty(st.spark)
