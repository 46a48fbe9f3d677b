"""A row filter and a column mask: one table, each reader sees only their tenant's rows, PII masked.

Claim (guide, talking point 6 and Q44): a row filter is a SQL function returning BOOLEAN bound
to the table (``SET ROW FILTER ... ON (region)``); a column mask is a function bound to a column
(``SET MASK``). Every query through the table applies them: a regional manager sees only their
region's rows with the email masked; an admin sees everything. Open-source Spark cannot parse
these statements (see grant_needs_unity_catalog.py); locally ``lakehouse.sql`` emulates Unity
Catalog's rules (``lakehouse.governance``), on Databricks they are Unity Catalog's own.
Databricks: https://docs.databricks.com/aws/en/data-governance/unity-catalog/filters-and-masks/
"""

from _expect import run_standalone

from lakehouse import as_user, sql
from lakehouse.governance.store import Metastore

S = "spark_catalog.iq_tenants"
T = f"{S}.customers"


def _reset(spark):
    spark.sql(f"DROP SCHEMA IF EXISTS {S} CASCADE")
    store = Metastore.load()
    store.forget(S)
    store.save()


def run(spark, tmp_path):
    _reset(spark)
    sql(f"CREATE SCHEMA {S}")
    sql(f"CREATE TABLE {T} (id INT, email STRING, region STRING)")
    sql(f"INSERT INTO {T} VALUES (1, 'ann@a.example', 'us-east'), (2, 'bob@b.example', 'us-west'), "
        "(3, 'cy@c.example', 'us-east')")
    sql(f"CREATE FUNCTION {S}.by_region(r STRING) RETURN is_account_group_member('admins') "
        "OR is_account_group_member(concat('region_', replace(r, '-', '_')))")
    sql(f"CREATE FUNCTION {S}.mask_email(e STRING) RETURN "
        "CASE WHEN is_account_group_member('admins') THEN e ELSE '***' END")
    sql(f"ALTER TABLE {T} SET ROW FILTER {S}.by_region ON (region)")
    sql(f"ALTER TABLE {T} ALTER COLUMN email SET MASK {S}.mask_email")
    sql("GRANT USE CATALOG ON CATALOG spark_catalog TO `managers`")
    sql(f"GRANT USE SCHEMA ON SCHEMA {S} TO `managers`")
    sql(f"GRANT SELECT ON TABLE {T} TO `managers`")
    with as_user("manager.east@c360.example"):   # groups: managers, region_us_east
        east = sorted((r.id, r.email) for r in sql(f"SELECT id, email FROM {T}").collect())
    admin = sorted(r.id for r in sql(f"SELECT id FROM {T}").collect())
    assert east == [(1, "***"), (3, "***")], east
    assert admin == [1, 2, 3], admin
    _reset(spark)
    return {"manager_east_sees": east, "admin_sees": admin}


if __name__ == "__main__":
    run_standalone(run)
