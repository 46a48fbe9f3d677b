"""Unity Catalog's three-level namespace on the local engine (issue 29): two catalogs holding the
same schema and table names, reached by every access path (SQL, DataFrame reader and writer,
DeltaTable, streaming), and the catalog statements against their Databricks reference pages."""

import pytest

from lakehouse import as_user, sql
from lakehouse.governance import PermissionDeniedError
from lakehouse.governance.catalogs import matches
from lakehouse.governance.errors import AlreadyExistsError, GovernanceError, NotFoundError
from lakehouse.governance.grammar import CatalogStatement, parse_uc

DEV, PROD = "cat_dev", "cat_prod"
ANALYST = "analyst@c360.example"


# grammar: https://docs.databricks.com/aws/en/sql/language-manual/sql-ref-syntax-ddl-create-catalog (and
# -drop-catalog, -use-catalog, sql-ref-syntax-aux-show-catalogs)
@pytest.mark.parametrize("text, parsed", [
    ("CREATE CATALOG dev", CatalogStatement("CREATE", "dev")),
    ("CREATE CATALOG IF NOT EXISTS `dev` COMMENT 'work'", CatalogStatement("CREATE", "dev", True, comment="work")),
    ("DROP CATALOG IF EXISTS dev CASCADE", CatalogStatement("DROP", "dev", True, cascade=True)),
    ("DROP CATALOG dev RESTRICT", CatalogStatement("DROP", "dev")),
    ("USE CATALOG dev", CatalogStatement("USE", "dev")),
    ("SET CATALOG 'dev'", CatalogStatement("USE", "dev")),
    ("SHOW CATALOGS", CatalogStatement("SHOW")),
    ("SHOW CATALOGS LIKE 'pay*'", CatalogStatement("SHOW", pattern="pay*")),
    ("show catalogs 'pay*|main';", CatalogStatement("SHOW", pattern="pay*|main")),
])
def test_catalog_statements_parse(text, parsed):
    assert parse_uc(text) == parsed


def test_show_catalogs_pattern_is_documented_regex():
    assert matches("pay*", "payroll_cat") and matches("PAY*", "payments_cat")
    assert matches("pay*|main", "main") and not matches("pay*", "main")


@pytest.fixture(scope="module")
def two(spark):
    """Catalogs cat_dev and cat_prod, each with schema s and table t (id = 1 in dev, 2 in prod)."""
    for c in (DEV, PROD):
        sql(f"DROP CATALOG IF EXISTS {c} CASCADE", spark=spark)
        sql(f"CREATE CATALOG {c} COMMENT 'test'", spark=spark)
        sql(f"CREATE SCHEMA {c}.s", spark=spark)
    sql(f"CREATE TABLE {DEV}.s.t USING delta AS SELECT 1 AS id", spark=spark)   # governed path
    spark.sql(f"CREATE TABLE {PROD}.s.t USING delta AS SELECT 2 AS id")       # plain Spark
    yield spark
    for c in (DEV, PROD):
        sql(f"DROP CATALOG IF EXISTS {c} CASCADE", spark=spark)


def ids(df):
    return sorted(r[0] for r in df.collect())


def test_same_names_in_two_catalogs_sql(two):
    assert ids(sql(f"SELECT id FROM {DEV}.s.t")) == [1]
    assert ids(two.sql(f"SELECT id FROM {PROD}.s.t")) == [2]
    two.sql(f"INSERT INTO {PROD}.s.t VALUES (3)")
    two.sql(f"MERGE INTO {DEV}.s.t d USING (SELECT 4 AS id) n ON d.id = n.id WHEN NOT MATCHED THEN INSERT *")
    assert ids(two.table(f"{DEV}.s.t")) == [1, 4] and ids(two.table(f"{PROD}.s.t")) == [2, 3]
    assert [r.tableName for r in two.sql(f"SHOW TABLES IN {DEV}.s").collect()] == ["t"]


def test_dataframe_reader_and_save_as_table(two):
    assert ids(two.read.table(f"{PROD}.s.t")) == [2, 3] or ids(two.read.table(f"{PROD}.s.t")) == [2]
    two.range(5).write.format("delta").mode("overwrite").saveAsTable(f"{DEV}.s.w")
    two.range(2).write.format("delta").mode("overwrite").saveAsTable(f"{PROD}.s.w")
    assert two.table(f"{DEV}.s.w").count() == 5 and two.table(f"{PROD}.s.w").count() == 2


def test_delta_table_for_name(two):
    from delta.tables import DeltaTable

    dev, prod = DeltaTable.forName(two, f"{DEV}.s.t"), DeltaTable.forName(two, f"{PROD}.s.t")
    assert 1 in ids(dev.toDF()) and 1 not in ids(prod.toDF())
    dev.delete("id = 1")
    assert 1 not in ids(two.table(f"{DEV}.s.t")) and 2 in ids(two.table(f"{PROD}.s.t"))


def test_stream_from_one_catalog_to_the_other(two, tmp_path):
    query = (two.readStream.table(f"{PROD}.s.t").writeStream.format("delta")
             .option("checkpointLocation", str(tmp_path / "cp")).trigger(availableNow=True)
             .toTable(f"{DEV}.s.copied"))
    query.awaitTermination(120)
    assert ids(two.table(f"{DEV}.s.copied")) == ids(two.table(f"{PROD}.s.t"))
    with pytest.raises(Exception, match="TABLE_OR_VIEW_NOT_FOUND"):
        two.table(f"{PROD}.s.copied").collect()


def test_clone_into_a_catalog_is_one_clone_commit(two):
    """CREATE TABLE c.s.t SHALLOW CLONE ... into a catalog other than spark_catalog: the one-commit
    clone Delta writes in spark_catalog (without the plugin's CatalogExtensions rule Delta
    first creates the target as a Parquet table and fails with DELTA_UNSUPPORTED_SOURCE).
    https://docs.databricks.com/aws/en/sql/language-manual/delta-clone"""
    from delta.tables import DeltaTable

    two.sql(f"DROP TABLE IF EXISTS {PROD}.s.cloned")
    two.sql(f"CREATE TABLE {PROD}.s.cloned SHALLOW CLONE {DEV}.s.t")
    assert ids(two.table(f"{PROD}.s.cloned")) == ids(two.table(f"{DEV}.s.t"))
    assert [r.operation for r in DeltaTable.forName(two, f"{PROD}.s.cloned").history().collect()] == ["CLONE"]
    with pytest.raises(Exception, match="DELTA_TABLE_ALREADY_EXISTS|TABLE_OR_VIEW_ALREADY_EXISTS"):
        two.sql(f"CREATE TABLE {PROD}.s.cloned SHALLOW CLONE {DEV}.s.t")


def test_delta_table_clone_into_another_catalog_is_refused_by_name(two):
    """DeltaTable.clone* into a catalog other than the default one fails first with our error naming
    the SQL that works (Delta's own would be DELTA_MISSING_DELTA_TABLE), and writes nothing."""
    from delta.tables import DeltaTable

    from lakehouse.errors import CloneIntoCatalogError

    source = DeltaTable.forName(two, f"{DEV}.s.t")
    with pytest.raises(CloneIntoCatalogError, match="SHALLOW CLONE"):
        source.clone(f"{PROD}.s.by_api", isShallow=True, properties={})
    with pytest.raises(CloneIntoCatalogError):
        source.cloneAtVersion(0, target=f"{PROD}.s.by_api", isShallow=True, properties={})
    assert two.sql(f"SHOW TABLES IN {PROD}.s LIKE 'by_api'").count() == 0


def test_views_in_a_catalog(two):
    two.sql(f"CREATE OR REPLACE VIEW {PROD}.s.v AS SELECT id * 10 AS x FROM {PROD}.s.t")
    assert 20 in ids(two.read.table(f"{PROD}.s.v"))
    assert [r.viewName for r in two.sql(f"SHOW VIEWS IN {PROD}.s").collect()] == ["v"]
    two.sql(f"DROP VIEW {PROD}.s.v")


def test_two_part_names_land_in_main(two):
    two.sql("CREATE SCHEMA IF NOT EXISTS cat_two_part")
    two.sql("CREATE OR REPLACE TABLE cat_two_part.t USING delta AS SELECT 7 AS id")
    assert ids(two.table("main.cat_two_part.t")) == [7] == ids(two.table("spark_catalog.cat_two_part.t"))
    assert sql("SELECT current_catalog() AS c").first().c == "main"
    two.sql("DROP SCHEMA cat_two_part CASCADE")


def test_use_catalog_and_schema(two):
    try:
        sql(f"USE CATALOG {DEV}")
        row = two.sql("SELECT current_catalog() AS c, current_schema() AS s").first()
        assert (row.c, row.s) == (DEV, "default")  # USE CATALOG resets the schema to default
        sql("USE SCHEMA s")
        assert 4 in ids(two.table("t")) and 4 in ids(sql("SELECT id FROM s.t"))
    finally:
        sql("USE CATALOG main")
        two.sql("USE SCHEMA default")
    assert two.catalog.currentCatalog() == "main"


def test_show_catalogs_lists_them_in_column_catalog(two):
    shown = sql("SHOW CATALOGS")
    assert shown.columns == ["catalog"]
    assert {"main", DEV, PROD} <= {r.catalog for r in shown.collect()}
    assert [r.catalog for r in sql("SHOW CATALOGS LIKE 'cat_p*'").collect()] == [PROD]


def test_create_existing_catalog_fails_unless_if_not_exists(two):
    with pytest.raises(AlreadyExistsError, match="CATALOG_ALREADY_EXISTS"):
        sql(f"CREATE CATALOG {DEV}")
    sql(f"CREATE CATALOG IF NOT EXISTS {DEV}")
    with pytest.raises(GovernanceError, match="__"):
        sql("CREATE CATALOG a__b")


def test_unknown_catalog_and_schema_name_the_show_command(two):
    with pytest.raises(NotFoundError, match="NO_SUCH_CATALOG_EXCEPTION") as err:
        sql("SELECT * FROM nope_cat.s.t")
    assert "SHOW CATALOGS" in err.value.fix
    with pytest.raises(NotFoundError, match="SCHEMA_NOT_FOUND") as err:
        sql(f"SELECT * FROM {DEV}.nope.t")
    assert f"SHOW SCHEMAS IN {DEV}" in err.value.fix
    with pytest.raises(NotFoundError, match="NO_SUCH_CATALOG_EXCEPTION"):
        sql("USE CATALOG nope_cat")


def test_drop_catalog_restricts_then_cascades(two):
    sql("CREATE CATALOG IF NOT EXISTS cat_drop")
    sql("CREATE SCHEMA cat_drop.s")
    with pytest.raises(GovernanceError, match="CATALOG_NOT_EMPTY"):
        sql("DROP CATALOG cat_drop")
    sql("DROP CATALOG cat_drop CASCADE")
    assert "cat_drop" not in {r.catalog for r in sql("SHOW CATALOGS").collect()}
    with pytest.raises(NotFoundError):
        sql("DROP CATALOG cat_drop")
    sql("DROP CATALOG IF EXISTS cat_drop")


def test_a_grant_in_one_catalog_does_not_reach_the_other(two):
    sql(f"GRANT USE CATALOG ON CATALOG {DEV} TO `analysts`")
    sql(f"GRANT USE SCHEMA, SELECT ON SCHEMA {DEV}.s TO `analysts`")
    with as_user(ANALYST):
        assert sql(f"SELECT count(*) AS n FROM {DEV}.s.t").first().n >= 1
        with pytest.raises(PermissionDeniedError, match=f"USE CATALOG on CATALOG {PROD}"):
            sql(f"SELECT * FROM {PROD}.s.t")
    shown = {(r.principal, r.actionType, r.objectKey) for r in sql(f"SHOW GRANTS ON SCHEMA {DEV}.s").collect()}
    assert ("analysts", "SELECT", f"{DEV}.s") in shown
    assert not sql(f"SHOW GRANTS ON SCHEMA {PROD}.s").collect()


# SQL functions in a catalog: SHOW FUNCTIONS, DESCRIBE FUNCTION and DROP FUNCTION are answered from
# the local metastore (Spark alone says MISSING_CATALOG_ABILITY.FUNCTIONS for catalog main).
# https://docs.databricks.com/aws/en/sql/language-manual/sql-ref-syntax-aux-show-functions
# https://docs.databricks.com/aws/en/sql/language-manual/sql-ref-syntax-aux-describe-function
# https://docs.databricks.com/aws/en/sql/language-manual/sql-ref-syntax-ddl-drop-function
@pytest.mark.parametrize("text, parsed", [
    ("SHOW FUNCTIONS", ("SHOW", "ALL", None, None, False)),
    ("SHOW USER FUNCTIONS IN main.s LIKE 'tw*'", ("SHOW", "USER", "main.s", "tw*", False)),
    ("show system functions 'abs|upper';", ("SHOW", "SYSTEM", None, "abs|upper", False)),
    ("DESC FUNCTION EXTENDED `main`.s.twice", ("DESCRIBE", "ALL", "main.s.twice", None, True)),
])
def test_function_statements_parse(text, parsed):
    from lakehouse.governance.functions import parse_function_statement

    fs = parse_function_statement(text)
    assert (fs.verb, fs.kind, fs.name, fs.pattern, fs.extended) == parsed


def test_show_describe_drop_function_in_a_catalog(two):
    sql(f"CREATE OR REPLACE FUNCTION {DEV}.s.twice(x INT) RETURNS INT RETURN x * 2", spark=two)
    try:
        assert sql(f"SELECT {DEV}.s.twice(21) AS v").first().v == 42
        shown = sql(f"SHOW USER FUNCTIONS IN {DEV}.s")
        assert shown.columns == ["function"] and ids(shown) == [f"{DEV}.s.twice"]
        assert ids(sql(f"SHOW USER FUNCTIONS IN {PROD}.s")) == []
        assert ids(sql("SHOW SYSTEM FUNCTIONS LIKE 'upper'")) == ["upper"]
        desc = [r.function_desc for r in sql(f"DESCRIBE FUNCTION EXTENDED {DEV}.s.twice").collect()]
        assert desc[0] == f"Function: {DEV}.s.twice" and "Input:    x INT" in desc and "Body:     x * 2" in desc
        assert sql("DESCRIBE FUNCTION upper").columns == ["function_desc"]   # a built-in: Spark's answer
        with pytest.raises(GovernanceError, match="ROUTINE_NOT_FOUND"):
            sql(f"DESCRIBE FUNCTION {PROD}.s.twice")
    finally:
        sql(f"DROP FUNCTION {DEV}.s.twice", spark=two)
    assert ids(sql(f"SHOW USER FUNCTIONS IN {DEV}.s")) == []
    with pytest.raises(GovernanceError, match="ROUTINE_NOT_FOUND"):
        sql(f"DROP FUNCTION {DEV}.s.twice")
    sql(f"DROP FUNCTION IF EXISTS {DEV}.s.twice")


def test_create_delta_path_table_with_main_current(two, tmp_path):
    """``CREATE TABLE [IF NOT EXISTS] delta.`/path``` makes the table at the path while the current
    catalog is ``main`` (Delta's catalog answers any path with a table object; IF NOT EXISTS then
    created nothing, silently)."""
    path = tmp_path / "path_table"
    sql("USE CATALOG main")
    two.sql(f"CREATE TABLE IF NOT EXISTS delta.`{path}` (id INT) USING DELTA")
    assert (path / "_delta_log").is_dir()
    two.sql(f"CREATE TABLE IF NOT EXISTS delta.`{path}` (id INT) USING DELTA")   # exists: nothing to do
    two.sql(f"INSERT INTO delta.`{path}` VALUES (7)")
    assert ids(two.sql(f"SELECT id FROM delta.`{path}`")) == [7]
