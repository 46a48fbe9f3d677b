"""Unity Catalog emulation without Spark: the statement grammar, the access decisions (a matrix
of principals x objects x actions), inheritance and revoke, identity functions, lineage walks."""

import pytest
import sqlglot

from lakehouse.governance import PermissionDeniedError, UcSyntaxError
from lakehouse.governance.grammar import ColumnMask, Grant, RowFilter, ShowGrants, Tags, parse_uc
from lakehouse.governance.lineage import column_pairs, merge_pairs
from lakehouse.governance.principals import as_user, current_principal, principal
from lakehouse.governance.privileges import missing
from lakehouse.governance.statement import identity_literals
from lakehouse.governance.store import Metastore

# Every statement form the lab uses, as written in the Databricks SQL reference (security-grant,
# security-show-grant, sql-ref-syntax-ddl-row-filter, ...-column-mask, ...-set-tag).
FORMS = [
    ("GRANT USE CATALOG ON CATALOG main TO `analysts`", Grant(("USE CATALOG",), "CATALOG", "main", "analysts")),
    ("GRANT USE SCHEMA ON SCHEMA main.c360 TO analysts", Grant(("USE SCHEMA",), "SCHEMA", "main.c360", "analysts")),
    ("GRANT SELECT ON TABLE main.c360.t TO `a@x.com`", Grant(("SELECT",), "TABLE", "main.c360.t", "a@x.com")),
    ("GRANT SELECT ON VIEW main.c360.v TO `analysts`", Grant(("SELECT",), "TABLE", "main.c360.v", "analysts")),
    ("GRANT SELECT, MODIFY ON TABLE c360.t TO `data_engineers`",
     Grant(("SELECT", "MODIFY"), "TABLE", "c360.t", "data_engineers")),
    ("GRANT EXECUTE ON FUNCTION main.c360.f TO support", Grant(("EXECUTE",), "FUNCTION", "main.c360.f", "support")),
    ("GRANT ALL PRIVILEGES ON SCHEMA main.c360 TO admins", Grant(("ALL PRIVILEGES",), "SCHEMA", "main.c360", "admins")),
    ("GRANT MANAGE ON TABLE main.c360.t TO admins", Grant(("MANAGE",), "TABLE", "main.c360.t", "admins")),
    ("GRANT CREATE TABLE ON SCHEMA main.c360 TO `data_engineers`;",
     Grant(("CREATE TABLE",), "SCHEMA", "main.c360", "data_engineers")),
    ("REVOKE SELECT ON TABLE main.c360.t FROM `analysts`", Grant(("SELECT",), "TABLE", "main.c360.t", "analysts", True)),
    ("SHOW GRANTS ON TABLE main.c360.t", ShowGrants(None, "TABLE", "main.c360.t")),
    ("SHOW GRANTS `alf@melmak.et` ON SCHEMA my_schema", ShowGrants("alf@melmak.et", "SCHEMA", "my_schema")),
    ("SHOW GRANT ON VIEW main.c360.v", ShowGrants(None, "TABLE", "main.c360.v")),
    ("ALTER TABLE main.c360.t SET ROW FILTER main.c360.f ON (region)",
     RowFilter("main.c360.t", "main.c360.f", ("region",))),
    ("ALTER TABLE t SET ROW FILTER f ON ()", RowFilter("t", "f", ())),
    ("ALTER TABLE t DROP ROW FILTER", RowFilter("t", None)),
    ("ALTER TABLE t ALTER COLUMN email SET MASK m", ColumnMask("t", "email", "m")),
    ("ALTER TABLE t ALTER COLUMN ssn SET MASK m USING COLUMNS (region, 'x')", ColumnMask("t", "ssn", "m", ("region", "'x'"))),
    ("ALTER TABLE t ALTER COLUMN email DROP MASK", ColumnMask("t", "email", None)),
    ("ALTER TABLE t SET TAGS ('pii' = 'true')", Tags("TABLE", "t", None, (("pii", "true"),))),
    ("ALTER TABLE t ALTER COLUMN email SET TAGS ('pii' = 'email', 'class' = 'x')",
     Tags("TABLE", "t", "email", (("pii", "email"), ("class", "x")))),
    ("ALTER SCHEMA main.c360 SET TAGS ('domain' = 'crm')", Tags("SCHEMA", "main.c360", None, (("domain", "crm"),))),
    ("ALTER CATALOG main UNSET TAGS ('domain')", Tags("CATALOG", "main", None, (("domain", None),), True)),
]


@pytest.mark.parametrize("text, expected", FORMS, ids=[f[0][:40] for f in FORMS])
def test_every_uc_form_parses(text, expected):
    assert parse_uc(text) == expected


@pytest.mark.parametrize("text", [
    "GRANT SELEC ON TABLE t TO a", "GRANT SELECT ON TABLE t", "GRANT SELECT TO a", "SHOW GRANTS ON",
    "ALTER TABLE t SET ROW FILTER f", "ALTER TABLE t ALTER COLUMN c SET MASK", "ALTER TABLE t SET TAGS ('pii')",
    "ALTER TABLE t UNSET TAGS ('pii' = 'x')",
])
def test_malformed_uc_statement_names_it(text):
    with pytest.raises(UcSyntaxError) as err:
        parse_uc(text)
    assert err.value.code == "UC_STATEMENT_SYNTAX" and text.split()[0] in str(err.value)


def test_comments_before_a_uc_statement_are_skipped():
    """A statement passed to spark.sql often starts with a comment line (SQL files, %sql cells)."""
    assert parse_uc("-- the analysts read the table\n  /* ticket 12 */\nGRANT SELECT ON TABLE t TO a") == \
        Grant(("SELECT",), "TABLE", "t", "a")
    assert parse_uc("-- GRANT SELECT ON TABLE t TO a\nSELECT 1") is None


def test_ordinary_sql_is_not_uc():
    assert parse_uc("SELECT 1") is None and parse_uc("ALTER TABLE t ADD COLUMN x INT") is None


# principals x objects x actions --------------------------------------------------------------
S = "main.c360"
OBJECTS = {"catalog": ("CATALOG", "main"), "schema": ("SCHEMA", S), "silver": ("TABLE", f"{S}.silver_customers"),
           "gold": ("TABLE", f"{S}.customer_360"), "view": ("TABLE", f"{S}.customer_360_public"),
           "function": ("FUNCTION", f"{S}.mask_email")}


@pytest.fixture
def store():
    m = Metastore.empty()
    for group in ("analysts", "managers", "support", "data_engineers"):
        m.grant(group, ("USE CATALOG",), "CATALOG", "main")
        m.grant(group, ("USE SCHEMA",), "SCHEMA", S)
    m.grant("analysts", ("SELECT",), "TABLE", f"{S}.customer_360_public")
    m.grant("managers", ("SELECT",), "TABLE", f"{S}.customer_360")
    m.grant("support", ("SELECT",), "TABLE", f"{S}.customer_360")
    m.grant("support", ("EXECUTE",), "FUNCTION", f"{S}.mask_email")
    m.grant("data_engineers", ("SELECT", "MODIFY"), "TABLE", f"{S}.silver_customers")
    m.set_owner("TABLE", f"{S}.silver_customers", "engineer@c360.example")
    return m


# (principal, object, action) -> allowed; actions: read, write, manage (grant), execute
ALLOWED = {
    ("admin@c360.example", "*", "*"),
    ("analyst@c360.example", "view", "read"),
    ("manager.east@c360.example", "gold", "read"),
    ("support@c360.example", "gold", "read"),
    ("support@c360.example", "function", "execute"),
    ("engineer@c360.example", "silver", "*"),  # the owner of silver
}
USERS = ["admin@c360.example", "analyst@c360.example", "manager.east@c360.example", "support@c360.example",
         "engineer@c360.example"]
MATRIX = [(u, o, a) for u in USERS for o in OBJECTS for a in ("read", "write", "manage", "execute")
          if (a == "execute") == (o == "function") and not (o in ("catalog", "schema") and a != "manage")]


@pytest.mark.parametrize("user, obj, action", MATRIX)
def test_permission_matrix(store, user, obj, action):
    kind, name = OBJECTS[obj]
    allowed = any(u == user and o in (obj, "*") and a in (action, "*") for u, o, a in ALLOWED)
    lack = missing(store, principal(user, None), action, kind, name)
    assert (lack is None) == allowed, f"{user} {action} {obj}: missing {lack}"


def test_inheritance_and_revoke(store):
    analyst = principal("analyst@c360.example", None)
    gold = f"{S}.customer_360"
    assert missing(store, analyst, "read", "TABLE", gold) == ("SELECT", f"TABLE {gold}")
    store.grant("analysts", ("SELECT",), "SCHEMA", S)       # a schema grant reaches every table in it
    assert missing(store, analyst, "read", "TABLE", gold) is None
    store.revoke("analysts", ("USE CATALOG",), "CATALOG", "main")
    assert missing(store, analyst, "read", "TABLE", gold) == ("USE CATALOG", "CATALOG main")
    store.grant("analysts", ("ALL PRIVILEGES",), "CATALOG", "main")
    assert missing(store, analyst, "write", "TABLE", gold) is None
    store.revoke("analysts", ("ALL PRIVILEGES",), "CATALOG", "main")
    assert missing(store, analyst, "read", "TABLE", gold)[0] == "USE CATALOG"
    assert missing(store, analyst, "manage", "TABLE", gold) == ("MANAGE", f"TABLE {gold}")


def test_permission_denied_error_names_privilege_and_object():
    err = PermissionDeniedError("a@x", "SELECT", "TABLE main.s.t")
    assert err.code == "PERMISSION_DENIED" and "SELECT" in str(err) and "main.s.t" in str(err)
    assert "TO `a@x` (or" in err.fix
    assert "TO `odd``name` (or" in PermissionDeniedError("odd`name", "SELECT", "TABLE t").fix, "inner backticks doubled"


def test_as_user_and_identity_functions():
    assert current_principal().is_admin
    with as_user("manager.east@c360.example") as who:
        assert who.groups == ("managers", "region_us_east", "account users")
        tree = sqlglot.parse_one("SELECT current_user(), is_member('managers'), is_account_group_member('admins')",
                                 read="databricks")
        assert identity_literals(tree, current_principal()).sql("spark") == (
            "SELECT 'manager.east@c360.example', 'managers' IN ('managers', 'region_us_east', 'account users'), "
            "'admins' IN ('managers', 'region_us_east', 'account users')")
    with pytest.raises(Exception) as err:
        with as_user("not-an-email"):
            pass
    assert err.value.code == "GOVERNANCE_ERROR"


def test_column_lineage_of_select_and_merge():
    tree = sqlglot.parse_one("INSERT INTO c.s.t (a, b) SELECT x.id, upper(y.email) FROM c.s.x AS x JOIN c.s.y AS y "
                             "ON x.id = y.id", read="databricks")
    assert column_pairs(tree.expression, {"x": "c.s.x", "y": "c.s.y"}, lambda t: [], ["a", "b"]) == [
        ("c.s.x", "id", "a"), ("c.s.y", "email", "b")]
    merge = sqlglot.parse_one("MERGE INTO c.s.t USING c.s.src AS s ON t.id = s.id WHEN MATCHED THEN UPDATE SET "
                              "t.email = lower(s.mail) WHEN NOT MATCHED THEN INSERT (id, email) VALUES (s.id, s.mail)",
                              read="databricks")
    assert merge_pairs(merge, "c.s.src", "s", lambda t: []) == [
        ("c.s.src", "mail", "email"), ("c.s.src", "id", "id")]


def _grant_in_a_process(path, principal):
    from lakehouse.governance.store import Metastore

    for i in range(20):
        store = Metastore.load(path)
        store.grant(principal, ("SELECT",), "TABLE", f"main.s.t{i}")
        store.save(path)


def test_processes_saving_at_once_keep_each_others_grants(tmp_path):
    """A notebook, a job and a test granting at the same moment: every grant survives (save merges
    what this process changed into the file under a lock; it used to write its whole stale copy)."""
    import multiprocessing

    from lakehouse.governance.store import Metastore

    path = tmp_path / "metastore.json"
    procs = [multiprocessing.get_context("spawn").Process(target=_grant_in_a_process, args=(path, f"p{n}"))
             for n in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
    assert [p.exitcode for p in procs] == [0] * 4
    assert len(Metastore.load(path).grants) == 80


def test_spark_sql_writes_session_functions_as_calls():
    import sqlglot

    from lakehouse.runtime.spark_sql import spark_sql

    tree = sqlglot.parse_one("SELECT current_catalog() AS c FROM t WHERE session_user() = 'x'", read="databricks")
    assert spark_sql(tree) == "SELECT CURRENT_CATALOG() AS c FROM t WHERE SESSION_USER() = 'x'"
    assert "CURRENT_CATALOG()" not in tree.sql(dialect="spark")  # what sqlglot alone writes


def test_current_version_is_refused_by_name_not_answered_with_sparks_version_string():
    """Databricks' current_version() is a struct; sqlglot writes Spark's version(), a string."""
    import sqlglot

    from lakehouse.runtime.spark_sql import NotLocalFunctionError, spark_sql

    for text in ("SELECT current_version()", "SELECT current_version().dbr_version AS v",
                 "SELECT 1 FROM t WHERE current_version().dbsql_version IS NULL"):
        with pytest.raises(NotLocalFunctionError, match=r"(?s)current_version\(\).*Fix: use version\(\)"):
            spark_sql(sqlglot.parse_one(text, read="databricks"))
    assert spark_sql(sqlglot.parse_one("SELECT version()", read="databricks")) == "SELECT VERSION()"


def test_cluster_by_auto_is_refused_by_name_not_dropped():
    """sqlglot dropped CLUSTER BY AUTO: the table would be created unclustered."""
    import sqlglot

    from lakehouse.runtime.spark_sql import NotLocalFunctionError, spark_sql

    with pytest.raises(NotLocalFunctionError, match=r"(?s)CLUSTER BY AUTO.*Fix: name the clustering keys"):
        spark_sql(sqlglot.parse_one("CREATE TABLE t (a INT) CLUSTER BY AUTO", read="databricks"))
    assert spark_sql(sqlglot.parse_one("CREATE TABLE t (a INT) CLUSTER BY (a)", read="databricks")) == \
        "CREATE TABLE t (a INT) CLUSTER BY (a)"


def test_the_spark_writer_keeps_parse_json_and_to_char_as_calls():
    import sqlglot

    from lakehouse.runtime.spark_sql import spark_sql

    tree = sqlglot.parse_one("SELECT parse_json(to_char(n, '9.9')), try_parse_json(s), to_char(d) FROM t",
                             read="databricks")
    assert spark_sql(tree) == "SELECT PARSE_JSON(TO_CHAR(n, '9.9')), TRY_PARSE_JSON(s), CAST(d AS STRING) FROM t"
    tree = sqlglot.parse_one("SELECT percentile_disc(0.5) WITHIN GROUP (ORDER BY a DESC) AS p FROM t",
                             read="databricks")  # the Spark writer made it percentile_approx(a, 0.5)
    assert spark_sql(tree) == "SELECT PERCENTILE_DISC(0.5) WITHIN GROUP (ORDER BY a DESC) AS p FROM t"
