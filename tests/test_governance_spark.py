"""Unity Catalog emulation on real Spark and Delta: filters and masks hold on every read path,
SHOW GRANTS, audit rows for allowed and denied actions, lineage rows for each write kind."""

import uuid

import pytest

import lakehouse
from lakehouse import as_user, sql
from lakehouse.governance import PermissionDeniedError, UcSyntaxError

S = "spark_catalog.gov_test"
T = f"{S}.customers"
EAST = "manager.east@c360.example"
EMAILS = ("ann@east.example", "bob@west.example", "cy@east.example")


@pytest.fixture(scope="module")
def secured(spark):
    """customers (id, email, region), filtered by region and with email masked, readable by managers."""
    from lakehouse.governance.store import Metastore

    spark.sql(f"DROP SCHEMA IF EXISTS {S} CASCADE")
    store = Metastore.load()
    store.forget(S)
    store.save()
    sql(f"CREATE SCHEMA {S}")
    sql(f"CREATE TABLE {T} (id INT, email STRING, region STRING)")
    sql(f"INSERT INTO {T} VALUES (1, '{EMAILS[0]}', 'us-east'), (2, '{EMAILS[1]}', 'us-west'), "
        f"(3, '{EMAILS[2]}', 'us-east')")
    sql(f"CREATE FUNCTION {S}.by_region(r STRING) RETURN is_account_group_member('admins') "
        "OR is_account_group_member(concat('region_', replace(r, '-', '_')))")
    sql(f"CREATE FUNCTION {S}.hide(e STRING) RETURN CASE WHEN is_member('admins') THEN e ELSE '***' END")
    sql(f"ALTER TABLE {T} SET ROW FILTER {S}.by_region ON (region)")
    sql(f"ALTER TABLE {T} ALTER COLUMN email SET MASK {S}.hide")
    sql(f"CREATE VIEW {S}.v AS SELECT id, email FROM {T}")
    sql("GRANT USE CATALOG ON CATALOG spark_catalog TO `managers`")
    sql(f"GRANT USE SCHEMA, CREATE TABLE ON SCHEMA {S} TO `managers`")
    sql(f"GRANT SELECT ON TABLE {T} TO `managers`")
    sql(f"GRANT SELECT ON VIEW {S}.v TO `managers`")
    yield spark
    spark.sql(f"DROP SCHEMA IF EXISTS {S} CASCADE")


READS = {
    "direct": f"SELECT id, email FROM {T}",
    "join": f"SELECT a.id, b.email FROM {T} a JOIN (SELECT 1 AS id UNION ALL SELECT 2 UNION ALL SELECT 3) b2 "
            f"ON a.id = b2.id JOIN {T} b ON b.id = a.id",
    "self-join": f"SELECT a.id, b.email FROM {T} a, {T} b WHERE a.id = b.id",
    "subquery": f"SELECT id, email FROM (SELECT * FROM {T}) WHERE id IN (SELECT id FROM {T})",
    "cte": f"WITH c AS (SELECT * FROM {T}) SELECT id, email FROM c",
    "view": f"SELECT id, email FROM {S}.v",
}


@pytest.mark.parametrize("path", READS)
def test_filter_and_mask_on_every_read_path(secured, path):
    with as_user(EAST):
        rows = {(r.id, r.email) for r in sql(READS[path]).collect()}
    assert rows == {(1, "***"), (3, "***")}


@pytest.mark.parametrize("write", ["ctas", "insert"])
def test_writes_from_a_secured_table_copy_only_what_the_writer_sees(secured, write):
    target = f"{S}.copy_{write}"
    secured.sql(f"DROP TABLE IF EXISTS {target}")
    if write == "insert":
        secured.sql(f"CREATE TABLE {target} (id INT, email STRING) USING delta")
        sql(f"GRANT MODIFY ON TABLE {target} TO `managers`")
    with as_user(EAST):
        sql(f"CREATE TABLE {target} AS SELECT id, email FROM {T}" if write == "ctas"
            else f"INSERT INTO {target} SELECT id, email FROM {T}")
    assert {(r.id, r.email) for r in secured.table(target).collect()} == {(1, "***"), (3, "***")}


def test_admin_sees_everything_and_plain_spark_is_not_governed(secured):
    assert sorted(r.email for r in sql(f"SELECT email FROM {T}").collect()) == sorted(EMAILS)
    assert secured.table(T).count() == 3   # the documented local limit


def test_denials_name_the_missing_privilege(secured):
    with as_user("guest@c360.example"), pytest.raises(PermissionDeniedError) as err:  # no grants at all
        sql(f"SELECT * FROM {T}")
    assert err.value.code == "PERMISSION_DENIED" and err.value.privilege == "USE CATALOG"
    with as_user(EAST), pytest.raises(PermissionDeniedError) as err:
        sql(f"INSERT INTO {T} VALUES (9, 'x', 'us-east')")
    assert (err.value.privilege, err.value.securable) == ("MODIFY", f"TABLE {T}")
    with as_user(EAST), pytest.raises(PermissionDeniedError) as err:
        sql(f"GRANT SELECT ON TABLE {T} TO `analysts`")
    assert err.value.privilege == "MANAGE"
    with as_user(EAST), pytest.raises(PermissionDeniedError) as err:
        sql(f"SELECT {S}.hide(email) FROM {T}")
    assert (err.value.privilege, err.value.securable) == ("EXECUTE", f"FUNCTION {S}.hide")


def test_grant_then_revoke(secured):
    sql(f"GRANT SELECT ON TABLE {T} TO `support`")
    sql("GRANT USE CATALOG ON CATALOG spark_catalog TO `support`")
    sql(f"GRANT USE SCHEMA ON SCHEMA {S} TO `support`")
    with as_user("support@c360.example"):
        assert sql(f"SELECT count(*) AS n FROM {T}").first().n == 0  # granted, but the filter keeps no row
    sql(f"REVOKE SELECT ON TABLE {T} FROM `support`")
    with as_user("support@c360.example"), pytest.raises(PermissionDeniedError):
        sql(f"SELECT count(*) FROM {T}")


def test_show_grants(secured):
    rows = sql(f"SHOW GRANTS `managers` ON TABLE {T}")
    assert rows.columns == ["principal", "actionType", "objectType", "objectKey"]
    assert {tuple(r) for r in rows.collect()} == {
        ("managers", "SELECT", "TABLE", T), ("managers", "USE SCHEMA", "SCHEMA", S),
        ("managers", "CREATE TABLE", "SCHEMA", S), ("managers", "USE CATALOG", "CATALOG", "spark_catalog")}


def test_audit_rows_for_allowed_and_denied(secured):
    marker = f"audit_probe_{uuid.uuid4().hex[:8]}"   # the audit log outlives a run in a kept LAKEHOUSE_HOME
    with as_user(EAST):
        sql(f"SELECT id AS {marker} FROM {T}").collect()
    with as_user("analyst@c360.example"), pytest.raises(PermissionDeniedError):
        sql(f"SELECT id AS {marker} FROM {T}")
    rows = sql(f"""SELECT user_identity.email AS who, action_name, response.status_code AS status,
                          request_params.full_name_arg AS obj, service_name
                   FROM system.access.audit WHERE request_params.commandText LIKE '%{marker}%'""").collect()
    assert {(r.who, r.action_name, r.status, r.obj, r.service_name) for r in rows} == {
        (EAST, "getTable", 200, T, "unityCatalog"), ("analyst@c360.example", "getTable", 403, T, "unityCatalog")}


def test_lineage_for_each_write_kind(secured):
    src, dst = f"{S}.lin_src", f"{S}.lin_dst"
    sql(f"CREATE OR REPLACE TABLE {src} AS SELECT id, email AS mail FROM {T}")
    sql(f"CREATE OR REPLACE TABLE {dst} (id INT, email STRING)")
    sql(f"INSERT INTO {dst} SELECT id, upper(mail) FROM {src}")
    sql(f"MERGE INTO {dst} AS d USING {src} AS s ON d.id = s.id "
        "WHEN MATCHED THEN UPDATE SET d.email = s.mail WHEN NOT MATCHED THEN INSERT (id, email) VALUES (s.id, s.mail)")
    tables = {(r.source_table_full_name, r.target_table_full_name, r.source_type) for r in sql(
        f"SELECT * FROM system.access.table_lineage WHERE target_table_full_name IN ('{src}', '{dst}')").collect()}
    assert tables == {(T, src, "TABLE"), (src, dst, "TABLE")}
    columns = {(r.source_column_name, r.target_table_full_name, r.target_column_name) for r in sql(
        f"SELECT * FROM system.access.column_lineage WHERE target_table_full_name IN ('{src}', '{dst}')").collect()}
    assert {("email", src, "mail"), ("mail", dst, "email"), ("id", dst, "id")} <= columns
    assert lakehouse.governance.lineage_graph(dst) is not None


def test_malformed_statement_through_sql(secured):
    with pytest.raises(UcSyntaxError) as err:
        sql(f"ALTER TABLE {T} SET ROW FILTER {S}.by_region")
    assert err.value.code == "UC_STATEMENT_SYNTAX" and "SET ROW FILTER" in str(err.value)


def test_temporary_views_are_session_objects_not_securables(secured):
    """A temporary view is read by its one-part name (never qualified) in MERGE and INSERT sources,
    needs no privilege to create, and reads its tables with its creator's rights."""
    target = f"{S}.temp_merge"
    secured.sql(f"DROP TABLE IF EXISTS {target}")
    sql(f"CREATE TABLE {target} (id INT, email STRING)")
    secured.sql("SELECT 1 AS id, 'new@x' AS email").createOrReplaceTempView("updates")
    sql(f"MERGE INTO {target} t USING updates u ON t.id = u.id WHEN NOT MATCHED THEN INSERT *")
    sql(f"INSERT INTO {target} SELECT id + 1, email FROM updates")
    assert sorted(r.id for r in secured.table(target).collect()) == [1, 2]
    with as_user(EAST):
        sql(f"CREATE OR REPLACE TEMP VIEW east_view AS SELECT id, email FROM {T}")
        rows = {(r.id, r.email) for r in sql("SELECT * FROM east_view").collect()}
    assert rows == {(1, "***"), (3, "***")}
    secured.catalog.dropTempView("updates")
    secured.catalog.dropTempView("east_view")


def test_session_functions_databricks_writes_with_parentheses(spark):
    """current_catalog() and session_user() are calls in Databricks SQL; sqlglot's Spark writer
    made current_catalog() a bare CURRENT_CATALOG, which Spark reads as a column (UNRESOLVED_COLUMN)."""
    row = sql("SELECT current_catalog() AS catalog, session_user() AS who, current_schema() AS s").first()
    assert row.catalog == spark.sql("SELECT current_catalog()").first()[0] and row.who and row.s


def test_functions_the_spark_writer_changed_give_databricks_results(spark):
    """parse_json(s) came out as s (a STRING, not a VARIANT) and to_char(x, fmt) as CAST(x AS STRING):
    both ran and answered something else; percentile_cont ... WITHIN GROUP became percentile_approx (order
    lost). Through lakehouse.sql they give Spark 4.2's own results."""
    text = ("SELECT typeof(parse_json('{\"a\": 1}')) AS parsed, typeof(try_parse_json('{')) AS tried, "
            "to_char(12.5, '999.99') AS formatted, "
            "(SELECT percentile_cont(0.25) WITHIN GROUP (ORDER BY x DESC) FROM VALUES (1), (2), (10) AS v(x)) AS p")
    got = sql(text).first()
    assert (got.parsed, got.tried, got.p) == ("variant", "variant", 6.0)  # approx, ascending: 1
    assert got == spark.sql(text).first()
