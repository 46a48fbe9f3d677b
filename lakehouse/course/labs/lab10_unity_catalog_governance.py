"""Checks of lab 10 · Unity Catalog governance: a secured Customer 360.

Analysts read gold through a view without PII, a regional manager sees only the region's
customers (row filter), support sees emails masked but the domain (column mask), data
engineers may MODIFY silver, PII columns are tagged, and the audit log says who read PII.
Every check asks the emulated Unity Catalog (``lakehouse.sql`` as each user), never the
learner's code.

Example:
    >>> from lakehouse.course.labs.lab10_unity_catalog_governance import CHECKS
    >>> [c.name for c in CHECKS if c.todo]
    ['analyst_access', 'region_filter', 'email_mask', 'engineer_modify', 'pii_tags', 'pii_readers']
"""

from __future__ import annotations

import shutil
from pathlib import Path

from ...datagen import batch_folder
from ..answers import SqlAnswer
from ..grading import Check, assert_equal, expect
from . import dataframe_or_fail

GRANT_DOC = "https://docs.databricks.com/aws/en/sql/language-manual/security-grant"
FILTERS_DOC = "https://docs.databricks.com/aws/en/data-governance/unity-catalog/filters-and-masks"
TAGS_DOC = "https://docs.databricks.com/aws/en/sql/language-manual/sql-ref-syntax-ddl-set-tag"
AUDIT_DOC = "https://docs.databricks.com/aws/en/admin/system-tables/audit-logs"
LINEAGE_DOC = "https://docs.databricks.com/aws/en/admin/system-tables/lineage"

ANALYST, MANAGER, SUPPORT, ENGINEER = ("analyst@c360.example", "manager.east@c360.example",
                                       "support@c360.example", "engineer@c360.example")
PII = {"silver_customers": ("email", "phone", "last_name"), "customer_360": ("email", "first_name")}


def land_sources(ctx, *, scale: float, reset: bool) -> dict[str, str]:
    """Copy the first batch of the CRM JSON and transactions CSV into the lab's landing folder.

    With ``reset`` the lab's governance state (grants, filters, masks, tags, functions of the
    lab's schema) is forgotten too, as a dropped schema's would be in Unity Catalog.

    Returns:
        ``{"crm": folder, "transactions": folder}``.
    """
    from ...governance.store import Metastore

    if reset:
        store = Metastore.load()
        store.forget(ctx.full_schema)
        store.save()
    batch = batch_folder(ctx.source_data(scale=scale), 0)
    folders = {}
    for source in ("crm", "transactions"):
        target = Path(ctx.landing, source)
        if not target.is_dir():
            shutil.copytree(batch / source, target)
        folders[source] = str(target)
    return folders


def _sql(statement: str, user: str | None = None):
    import lakehouse

    if user is None:
        return lakehouse.sql(statement)
    with lakehouse.as_user(user):
        return lakehouse.sql(statement)


def _denied(statement: str, user: str) -> str | None:
    """The missing privilege when ``user`` runs ``statement``, None when it runs."""
    from ...governance import PermissionDeniedError

    try:
        _sql(statement, user).limit(1).collect()
    except PermissionDeniedError as exc:
        return f"{exc.privilege} on {exc.securable}"
    return None


def _run_all(statements) -> None:
    for s in statements:
        _sql(s)


# TODO 1 ------------------------------------------------------------------------------------------
def _analyst_access(ctx, value):
    view, table = ctx.table("customer_360_public"), ctx.table("customer_360")
    lack = _denied(f"SELECT * FROM {view}", ANALYST)
    expect(lack is None, f"{ANALYST} cannot read customer_360_public: missing {lack}")
    columns = _sql(f"SELECT * FROM {view}", ANALYST).columns
    expect(not {"email", "first_name"} & set(columns), f"customer_360_public shows PII columns: {columns}")
    lack = _denied(f"SELECT * FROM {table}", ANALYST)
    return expect(lack is not None, f"{ANALYST} can read the whole customer_360 (with PII): grant on the view only")


# TODO 2 ------------------------------------------------------------------------------------------
def _region_filter(ctx, value):
    table = ctx.table("customer_360")
    lack = _denied(f"SELECT * FROM {table}", MANAGER)
    expect(lack is None, f"{MANAGER} cannot read customer_360: missing {lack}")
    seen = {r.region: r.n for r in _sql(f"SELECT region, count(*) AS n FROM {table} GROUP BY region", MANAGER).collect()}
    expect(seen, f"{MANAGER} sees no rows of customer_360 (the filter keeps none of us-east)")
    assert_equal(sorted(seen), ["us-east"], f"regions {MANAGER} sees")
    everyone = ctx.spark.table(table).count()
    return assert_equal(_sql(f"SELECT count(*) AS n FROM {table}").first().n, everyone,
                        "rows the course admin sees (admins see every region)")


# TODO 3 ------------------------------------------------------------------------------------------
def _email_mask(ctx, value):
    table = ctx.table("customer_360")
    lack = _denied(f"SELECT * FROM {table}", SUPPORT)
    expect(lack is None, f"{SUPPORT} cannot read customer_360: missing {lack}")
    raw = {r.customer_id: r.email for r in ctx.spark.table(table).select("customer_id", "email").collect()}
    shown = {r.customer_id: r.email for r in _sql(f"SELECT customer_id, email FROM {table}", SUPPORT).collect()}
    assert_equal(len(shown), len(raw), "customers support sees (support sees every region)")
    wrong = [c for c, e in shown.items() if e != "***@" + raw[c].split("@")[1]]
    expect(not wrong, f"{len(wrong)} emails support sees are not '***@<domain>', e.g. {shown[wrong[0]] if wrong else ''!r}")
    admin = {r.customer_id: r.email for r in _sql(f"SELECT customer_id, email FROM {table}").collect()}
    return assert_equal(admin == raw, True, "the course admin sees the real emails")


# TODO 4 ------------------------------------------------------------------------------------------
def _engineer_modify(ctx, value):
    from ...governance.principals import principal
    from ...governance.privileges import missing
    from ...governance.store import Metastore

    store, silver = Metastore.load(), ctx.table("silver_customers")
    lack = missing(store, principal(ENGINEER, None), "write", "TABLE", silver)
    expect(lack is None, f"{ENGINEER} cannot MODIFY silver_customers: missing {lack and ' on '.join(lack)}")
    expect(missing(store, principal(ANALYST, None), "write", "TABLE", silver) is not None,
           f"{ANALYST} may MODIFY silver_customers too: grant to data_engineers only")
    return expect(missing(store, principal(ENGINEER, None), "write", "TABLE", ctx.table("customer_360")) is not None,
                  f"{ENGINEER} may MODIFY gold customer_360 as well: grant on silver_customers only")


# TODO 5 ------------------------------------------------------------------------------------------
def _pii_tags(ctx, value):
    tags = _sql(f"SELECT table_name, column_name FROM system.information_schema.column_tags "
                f"WHERE schema_name = '{ctx.schema}' AND tag_name = 'pii'").collect()
    found = {(r.table_name, r.column_name) for r in tags}
    want = {(t, c) for t, cs in PII.items() for c in cs}
    expect(not want - found, f"untagged PII columns: {sorted(want - found)}")
    return expect(not found - want, f"columns tagged pii that hold no PII: {sorted(found - want)}")


# TODO 6 ------------------------------------------------------------------------------------------
PII_READERS = ("SELECT DISTINCT a.user_identity.email AS reader, a.request_params.full_name_arg AS table_name\n"
               "FROM system.access.audit AS a\n"
               "JOIN (SELECT DISTINCT concat_ws('.', catalog_name, schema_name, table_name) AS full_name\n"
               "      FROM system.information_schema.column_tags WHERE tag_name = 'pii') AS p\n"
               "  ON a.request_params.full_name_arg = p.full_name\n"
               "WHERE a.action_name = 'getTable' AND a.response.status_code = 200")


def _pii_readers(ctx, value):
    found = dataframe_or_fail(value, "pii_readers")
    expect({"reader", "table_name"} <= set(found.columns), f"pii_readers has columns {found.columns}, "
                                                           "expected reader and table_name")
    mine = {(r.reader, r.table_name) for r in found.select("reader", "table_name").collect()
            if r.table_name and r.table_name.startswith(ctx.full_schema + ".")}
    ref = {(r.reader, r.table_name) for r in _sql(PII_READERS).collect()
           if r.table_name and r.table_name.startswith(ctx.full_schema + ".")}
    expect(mine, "pii_readers has no reads of this lab's tables")
    expect(ref <= mine, f"reads of PII tables missing from pii_readers: {sorted(ref - mine)[:3]}")
    return expect(mine <= ref, f"rows of pii_readers that are no successful read of a PII table: {sorted(mine - ref)[:3]}")


def _lineage(ctx, value):
    upstream = {r.s for r in _sql(
        "SELECT coalesce(source_table_full_name, source_path) AS s, target_table_full_name AS t "
        "FROM system.access.table_lineage").collect() if r.s}
    expect(ctx.table("silver_customers") in upstream, "no lineage from silver_customers: "
                                                      "run the cells that build the tables with lakehouse.sql")
    return expect(any("/landing/" in s for s in upstream), "no lineage from the landed files yet")


def _run(statements_of):
    def catch_up(ctx, value, **given):
        _run_all(statements_of(ctx))
    return catch_up


# reference answers: make labs writes each body into the solution notebook's block
def _analyst_access_answer(sql, ctx, S):
    sql(f"GRANT USE CATALOG ON CATALOG {ctx.catalog} TO `analysts`")
    sql(f"GRANT USE SCHEMA ON SCHEMA {S} TO `analysts`")
    sql(f"GRANT SELECT ON VIEW {S}.customer_360_public TO `analysts`")


def _region_filter_answer(sql, S, ctx):
    sql(f"""CREATE OR REPLACE FUNCTION {S}.region_filter(region STRING) RETURNS BOOLEAN
            RETURN is_account_group_member('admins') OR is_account_group_member('support')
                OR is_account_group_member(concat('region_', replace(region, '-', '_')))""")
    sql(f"ALTER TABLE {S}.customer_360 SET ROW FILTER {S}.region_filter ON (region)")
    sql(f"GRANT USE CATALOG ON CATALOG {ctx.catalog} TO `managers`")
    sql(f"GRANT USE SCHEMA ON SCHEMA {S} TO `managers`")
    sql(f"GRANT SELECT ON TABLE {S}.customer_360 TO `managers`")


def _email_mask_answer(sql, S, ctx):
    sql(f"""CREATE OR REPLACE FUNCTION {S}.mask_email(email STRING) RETURNS STRING
            RETURN CASE WHEN is_account_group_member('admins') THEN email
                        ELSE concat('***@', split_part(email, '@', 2)) END""")
    sql(f"ALTER TABLE {S}.customer_360 ALTER COLUMN email SET MASK {S}.mask_email")
    sql(f"GRANT USE CATALOG ON CATALOG {ctx.catalog} TO `support`")
    sql(f"GRANT USE SCHEMA ON SCHEMA {S} TO `support`")
    sql(f"GRANT SELECT ON TABLE {S}.customer_360 TO `support`")


def _engineer_modify_answer(sql, ctx, S):
    sql(f"GRANT USE CATALOG ON CATALOG {ctx.catalog} TO `data_engineers`")
    sql(f"GRANT USE SCHEMA ON SCHEMA {S} TO `data_engineers`")
    sql(f"GRANT SELECT, MODIFY ON TABLE {S}.silver_customers TO `data_engineers`")


_PII_TAGS_ANSWER = SqlAnswer("""
    ALTER TABLE silver_customers ALTER COLUMN email SET TAGS ('pii' = 'email');
    ALTER TABLE silver_customers ALTER COLUMN phone SET TAGS ('pii' = 'phone');
    ALTER TABLE silver_customers ALTER COLUMN last_name SET TAGS ('pii' = 'last_name');
    ALTER TABLE customer_360 ALTER COLUMN email SET TAGS ('pii' = 'email');
    ALTER TABLE customer_360 ALTER COLUMN first_name SET TAGS ('pii' = 'first_name')""")


def _pii_readers_answer(sql):
    pii_readers = sql("""
        SELECT DISTINCT a.user_identity.email AS reader, a.request_params.full_name_arg AS table_name
        FROM system.access.audit AS a
        JOIN (SELECT DISTINCT concat_ws('.', catalog_name, schema_name, table_name) AS full_name
              FROM system.information_schema.column_tags WHERE tag_name = 'pii') AS p
          ON a.request_params.full_name_arg = p.full_name
        WHERE a.action_name = 'getTable' AND a.response.status_code = 200""")
    return pii_readers


CHECKS = [
    Check("analyst_access", "analysts read gold through the view without PII, not the table", _analyst_access,
          todo=1, variable=False,
          nudge="reading needs three privileges: USE CATALOG on the catalog, USE SCHEMA on the schema, SELECT on "
                "the object. Grant them to the group analysts, SELECT on the view only.",
          doc=GRANT_DOC,
          answer=_analyst_access_answer),
    Check("region_filter", "a regional manager sees only the region's customers", _region_filter, todo=2, points=2,
          variable=False,
          nudge="a row filter is a SQL function returning BOOLEAN, attached with ALTER TABLE ... SET ROW FILTER "
                "f ON (region). Build the group name from the region (region_us_east) and ask "
                "is_account_group_member; admins and support keep every row. Managers need SELECT too.",
          doc=FILTERS_DOC, answer=_region_filter_answer),
    Check("email_mask", "support sees emails as ***@domain, admins see them whole", _email_mask, todo=3, points=2,
          variable=False,
          nudge="a column mask is a SQL function that takes the column's value and returns what the reader may "
                "see; ALTER TABLE attaches it to a column (SET MASK). split_part cuts the domain out of an address. "
                "Support needs SELECT too.",
          doc=FILTERS_DOC, answer=_email_mask_answer),
    Check("engineer_modify", "data engineers may MODIFY silver_customers, and only them", _engineer_modify, todo=4,
          variable=False,
          nudge="writing needs MODIFY on the table (plus USE CATALOG / USE SCHEMA); grant it to the group "
                "data_engineers on silver_customers only.",
          doc=GRANT_DOC, answer=_engineer_modify_answer),
    Check("pii_tags", "every PII column is tagged pii", _pii_tags, todo=5, variable=False,
          nudge="tags are key-value pairs on a column, set with ALTER TABLE ... ALTER COLUMN (SET TAGS); "
                "the key is pii and the value the column's name, for each PII column of the TODO.",
          doc=TAGS_DOC, answer=_PII_TAGS_ANSWER),
    Check("pii_readers", "who read a table with PII, from the audit log", _pii_readers, todo=6, points=2,
          requires=("pii_tags",),
          nudge="system.access.audit has one getTable row per read (request_params.full_name_arg, "
                "user_identity.email, response.status_code); system.information_schema.column_tags says which "
                "tables hold a pii column. Join them; keep successful reads.",
          doc=AUDIT_DOC, answer=_pii_readers_answer),
    Check("lineage", "lineage from the landed files to customer_360", _lineage, variable=False,
          nudge="build the tables with lakehouse.sql (CTAS): its writes record lineage.", doc=LINEAGE_DOC),
]
