"""The Unity Catalog statements open-source Spark cannot run, parsed into small records.

sqlglot's ``databricks`` dialect gives GRANT / REVOKE on TABLE, SCHEMA and VIEW, and CREATE
FUNCTION, as trees; it returns GRANT ON CATALOG, SHOW GRANTS, SET ROW FILTER, SET / DROP MASK
and SET / UNSET TAGS as an unparsed ``Command``. Those follow the small grammar below, written
from the Databricks SQL reference:

* GRANT / REVOKE: https://docs.databricks.com/aws/en/sql/language-manual/security-grant ,
  https://docs.databricks.com/aws/en/sql/language-manual/security-revoke
  ``GRANT privilege_types ON securable_object TO principal`` / ``REVOKE ... FROM principal``
* SHOW GRANTS: https://docs.databricks.com/aws/en/sql/language-manual/security-show-grant
  ``SHOW GRANTS [ principal ] ON securable_object`` (``GRANT`` may replace ``GRANTS``)
* ROW FILTER: https://docs.databricks.com/en/sql/language-manual/sql-ref-syntax-ddl-row-filter.html
  ``ALTER TABLE t { SET ROW FILTER func ON ( [ column | literal [, ...] ] ) | DROP ROW FILTER }``
* MASK: https://docs.databricks.com/aws/en/sql/language-manual/sql-ref-syntax-ddl-column-mask
  ``ALTER TABLE t ALTER COLUMN c { SET MASK func [ USING COLUMNS ( col | literal [, ...] ) ] | DROP MASK }``
* CATALOGS: https://docs.databricks.com/aws/en/sql/language-manual/sql-ref-syntax-ddl-create-catalog
  ``CREATE CATALOG [ IF NOT EXISTS ] c [ MANAGED LOCATION 'path' ] [ COMMENT 'text' ]``,
  https://docs.databricks.com/aws/en/sql/language-manual/sql-ref-syntax-ddl-drop-catalog
  ``DROP CATALOG [ IF EXISTS ] c [ RESTRICT | CASCADE ]``,
  https://docs.databricks.com/aws/en/sql/language-manual/sql-ref-syntax-ddl-use-catalog
  ``{ USE | SET } CATALOG [ c | 'c' ]``,
  https://docs.databricks.com/aws/en/sql/language-manual/sql-ref-syntax-aux-show-catalogs
  ``SHOW CATALOGS [ [ LIKE ] regex_pattern ]``
* TAGS: https://docs.databricks.com/aws/en/sql/language-manual/sql-ref-syntax-ddl-set-tag
  ``ALTER { CATALOG | SCHEMA | TABLE | VIEW } name [ ALTER COLUMN c ] { SET TAGS ( 'k' = 'v' [, ...] ) | UNSET TAGS ( 'k' [, ...] ) }``

Example:
    >>> from lakehouse.governance.grammar import parse_uc
    >>> parse_uc("GRANT USE CATALOG ON CATALOG main TO `analysts`")
    Grant(privileges=('USE CATALOG',), kind='CATALOG', name='main', principal='analysts', revoke=False)
    >>> parse_uc("SELECT 1") is None
    True
    >>> parse_uc("CREATE CATALOG IF NOT EXISTS dev COMMENT 'work in progress'")
    CatalogStatement(verb='CREATE', name='dev', if_clause=True, cascade=False, comment='work in progress', location=None, pattern=None)
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .errors import UcSyntaxError

PRIVILEGES = ("ALL PRIVILEGES", "USE CATALOG", "USE SCHEMA", "SELECT", "MODIFY", "CREATE TABLE",
              "CREATE FUNCTION", "CREATE SCHEMA", "EXECUTE", "MANAGE", "APPLY TAG")
SECURABLES = ("CATALOG", "SCHEMA", "TABLE", "VIEW", "FUNCTION")

_NAME = r"(?:`[^`]+`|[A-Za-z_][\w]*)(?:\s*\.\s*(?:`[^`]+`|[A-Za-z_][\w]*))*"
_PRINCIPAL = r"(?:`[^`]+`|[\w.@-]+)"
_SECURABLE = rf"(?:(?P<kind>CATALOG|SCHEMA|DATABASE|TABLE|VIEW|FUNCTION)\s+)?(?P<name>{_NAME})?"
_LIST = r"\((?P<list>[^()]*)\)"

_GRANT = re.compile(rf"(?P<verb>GRANT|REVOKE)\s+(?P<privs>.+?)\s+ON\s+{_SECURABLE}\s+(?:TO|FROM)\s+"
                    rf"(?P<principal>{_PRINCIPAL})$", re.I | re.S)
_SHOW = re.compile(rf"SHOW\s+GRANTS?(?:\s+(?P<principal>{_PRINCIPAL}))??\s+ON\s+{_SECURABLE}$", re.I | re.S)
_ALTER = re.compile(rf"ALTER\s+(?P<kind>CATALOG|SCHEMA|DATABASE|TABLE|VIEW)\s+(?P<name>{_NAME})\s+(?P<rest>.+)$",
                    re.I | re.S)
_SET_FILTER = re.compile(rf"SET\s+ROW\s+FILTER\s+(?P<func>{_NAME})\s+ON\s*{_LIST}$", re.I | re.S)
_DROP_FILTER = re.compile(r"DROP\s+ROW\s+FILTER$", re.I)
_COLUMN = re.compile(r"(?:ALTER|CHANGE)\s+(?:COLUMN\s+)?(?P<col>`[^`]+`|\w+)\s+(?P<rest>.+)$", re.I | re.S)
_SET_MASK = re.compile(rf"SET\s+MASK\s+(?P<func>{_NAME})(?:\s+USING\s+COLUMNS\s*{_LIST})?$", re.I | re.S)
_DROP_MASK = re.compile(r"DROP\s+MASK$", re.I)
_TAGS = re.compile(rf"(?P<verb>SET|UNSET)\s+TAGS\s*{_LIST}$", re.I | re.S)
_TAG_PAIR = re.compile(r"^\s*'(?P<k>[^']*)'\s*(?:=\s*'(?P<v>[^']*)')?\s*$")


@dataclass(frozen=True)
class Grant:
    """GRANT (or REVOKE, ``revoke=True``) privileges on one securable to one principal."""

    privileges: tuple[str, ...]
    kind: str
    name: str
    principal: str
    revoke: bool = False


@dataclass(frozen=True)
class ShowGrants:
    """SHOW GRANTS [principal] ON securable."""

    principal: str | None
    kind: str
    name: str


@dataclass(frozen=True)
class RowFilter:
    """ALTER TABLE ... SET ROW FILTER (``function=None``: DROP ROW FILTER)."""

    table: str
    function: str | None
    arguments: tuple[str, ...] = ()


@dataclass(frozen=True)
class ColumnMask:
    """ALTER TABLE ... ALTER COLUMN c SET MASK (``function=None``: DROP MASK)."""

    table: str
    column: str
    function: str | None
    arguments: tuple[str, ...] = ()


@dataclass(frozen=True)
class Tags:
    """SET TAGS / UNSET TAGS on a catalog, schema, table, view or column (``values`` None when unset)."""

    kind: str
    name: str
    column: str | None
    tags: tuple[tuple[str, str | None], ...]
    unset: bool = False


@dataclass(frozen=True)
class CatalogStatement:
    """CREATE / DROP / USE / SHOW CATALOG(S) (``verb`` one of those four words)."""

    verb: str
    name: str | None = None
    if_clause: bool = False          # IF NOT EXISTS / IF EXISTS
    cascade: bool = False
    comment: str | None = None
    location: str | None = None
    pattern: str | None = None       # SHOW CATALOGS LIKE


UcStatement = Grant | ShowGrants | RowFilter | ColumnMask | Tags | CatalogStatement

_ID = r"(?:`(?P<q>[^`]+)`|'(?P<s>[^']+)'|(?P<n>[A-Za-z_]\w*))"
_CREATE_CATALOG = re.compile(rf"CREATE\s+CATALOG\s+(?P<ifne>IF\s+NOT\s+EXISTS\s+)?{_ID}"
                             r"(?P<rest>(?:\s+(?:MANAGED\s+LOCATION\s+'[^']*'|COMMENT\s+'(?:[^'\\]|\\.)*'))*)$",
                             re.I | re.S)
_DROP_CATALOG = re.compile(rf"DROP\s+CATALOG\s+(?P<ife>IF\s+EXISTS\s+)?{_ID}(?:\s+(?P<mode>RESTRICT|CASCADE))?$",
                           re.I | re.S)
_USE_CATALOG = re.compile(rf"(?:USE|SET)\s+CATALOG\s+{_ID}$", re.I | re.S)
_SHOW_CATALOGS = re.compile(r"SHOW\s+CATALOGS(?:\s+(?:LIKE\s+)?'(?P<pattern>[^']*)')?$", re.I | re.S)


def _identifier(m: re.Match) -> str:
    return (m.group("q") or m.group("s") or m.group("n")).strip().lower()


def _catalog_statement(text: str):
    head = " ".join(text.split()[:2]).upper()
    if head == "CREATE CATALOG":
        m = _CREATE_CATALOG.match(text)
        if not m:
            raise _fail(text, "CREATE CATALOG [IF NOT EXISTS] name [MANAGED LOCATION 'path'] [COMMENT 'text']")
        rest = m.group("rest") or ""
        comment = re.search(r"COMMENT\s+'((?:[^'\\]|\\.)*)'", rest, re.I)
        location = re.search(r"MANAGED\s+LOCATION\s+'([^']*)'", rest, re.I)
        return CatalogStatement("CREATE", _identifier(m), bool(m.group("ifne")),
                                comment=comment.group(1) if comment else None,
                                location=location.group(1) if location else None)
    if head == "DROP CATALOG":
        m = _DROP_CATALOG.match(text)
        if not m:
            raise _fail(text, "DROP CATALOG [IF EXISTS] name [RESTRICT | CASCADE]")
        return CatalogStatement("DROP", _identifier(m), bool(m.group("ife")),
                                cascade=(m.group("mode") or "").upper() == "CASCADE")
    if head in ("USE CATALOG", "SET CATALOG"):
        m = _USE_CATALOG.match(text)
        if not m:
            raise _fail(text, "USE CATALOG name")
        return CatalogStatement("USE", _identifier(m))
    if head == "SHOW CATALOGS":
        m = _SHOW_CATALOGS.match(text)
        if not m:
            raise _fail(text, "SHOW CATALOGS [[LIKE] 'pattern']")
        return CatalogStatement("SHOW", pattern=m.group("pattern"))
    return None


def unquote(name: str) -> str:
    """``a.`b c`.d`` -> ``a.b c.d``, parts lowercased as Unity Catalog stores them."""
    parts = re.findall(r"`([^`]+)`|([^.\s`]+)", name)
    return ".".join((q or p).strip().lower() for q, p in parts)


def _kind(word: str | None, default: str = "TABLE") -> str:
    word = (word or default).upper()
    return "SCHEMA" if word == "DATABASE" else word


def _items(text: str) -> tuple[str, ...]:
    return tuple(i.strip() for i in text.split(",") if i.strip())


def _privileges(text: str, statement: str) -> tuple[str, ...]:
    found = []
    for raw in text.split(","):
        word = " ".join(raw.split()).upper()
        word = {"ALL": "ALL PRIVILEGES", "USAGE": "USE SCHEMA"}.get(word, word)
        if word not in PRIVILEGES:
            raise UcSyntaxError(f"{raw.strip()!r} is not a Unity Catalog privilege in: {statement}",
                                fix=f"use one of {', '.join(PRIVILEGES)}.")
        found.append(word)
    return tuple(found)


def _securable(m: re.Match, statement: str) -> tuple[str, str]:
    kind, name = _kind(m.group("kind")), m.group("name")
    if not name:
        raise UcSyntaxError(f"no object name after ON {kind} in: {statement}",
                            fix=f"name it, e.g. ON {kind} main.sales.orders.")
    return ("TABLE" if kind == "VIEW" else kind), unquote(name)


def _fail(statement: str, form: str) -> UcSyntaxError:
    return UcSyntaxError(f"cannot parse this Unity Catalog statement: {statement}",
                         fix=f"the Databricks syntax is {form}.")


def _alter(m: re.Match, statement: str):
    kind, name, rest = _kind(m.group("kind")), unquote(m.group("name")), m.group("rest").strip()
    if (t := _TAGS.match(rest)):
        return _tags(kind, name, None, t, statement)
    if kind in ("CATALOG", "SCHEMA"):
        return None
    if (f := _SET_FILTER.match(rest)):
        return RowFilter(name, unquote(f.group("func")), _items(f.group("list")))
    if _DROP_FILTER.match(rest):
        return RowFilter(name, None)
    if re.match(r"(SET|DROP)\s+ROW\s+FILTER\b", rest, re.I):
        raise _fail(statement, "ALTER TABLE t SET ROW FILTER func ON (column [, ...])")
    if (c := _COLUMN.match(rest)):
        column, tail = unquote(c.group("col")), c.group("rest").strip()
        if (mk := _SET_MASK.match(tail)):
            return ColumnMask(name, column, unquote(mk.group("func")), _items(mk.group("list") or ""))
        if _DROP_MASK.match(tail):
            return ColumnMask(name, column, None)
        if (t := _TAGS.match(tail)):
            return _tags(kind, name, column, t, statement)
        if re.match(r"(SET|DROP)\s+MASK\b|(UN)?SET\s+TAGS\b", tail, re.I):
            raise _fail(statement, "ALTER TABLE t ALTER COLUMN c SET MASK func [USING COLUMNS (col [, ...])], "
                                   "or ... ALTER COLUMN c SET TAGS ('key' = 'value')")
    elif re.match(r"(UN)?SET\s+TAGS\b", rest, re.I):
        raise _fail(statement, "ALTER TABLE t SET TAGS ('key' = 'value' [, ...]) / UNSET TAGS ('key' [, ...])")
    return None


def _tags(kind, name, column, m: re.Match, statement: str) -> Tags:
    unset = m.group("verb").upper() == "UNSET"
    pairs = []
    for item in _items(m.group("list")):
        p = _TAG_PAIR.match(item)
        if not p or (p.group("v") is None) != unset:
            raise _fail(statement, "SET TAGS ('key' = 'value' [, ...]) or UNSET TAGS ('key' [, ...])")
        pairs.append((p.group("k"), p.group("v")))
    if not pairs:
        raise _fail(statement, "SET TAGS ('key' = 'value' [, ...])")
    return Tags(kind, name, column, tuple(pairs), unset)


def parse_uc(statement: str) -> UcStatement | None:
    """The Unity Catalog statement in ``statement``, or None when it is ordinary Spark SQL.

    Raises:
        UcSyntaxError: a GRANT / REVOKE / SHOW GRANTS / ROW FILTER / MASK / TAGS statement that
            does not follow the Databricks syntax (the message quotes it).
    """
    text = " ".join(_without_leading_comments(statement).strip().rstrip(";").split())
    head = text[:12].upper()
    if head.startswith(("GRANT", "REVOKE")):
        m = _GRANT.match(text)
        if not m:
            raise _fail(text, "GRANT privilege [, ...] ON { CATALOG | SCHEMA | TABLE | VIEW | FUNCTION } name "
                              "TO principal (REVOKE ... FROM principal)")
        kind, name = _securable(m, text)
        return Grant(_privileges(m.group("privs"), text), kind, name, unquote_principal(m.group("principal")),
                     m.group("verb").upper() == "REVOKE")
    if head.startswith("SHOW GRANT"):
        m = _SHOW.match(text)
        if not m:
            raise _fail(text, "SHOW GRANTS [principal] ON { CATALOG | SCHEMA | TABLE | VIEW | FUNCTION } name")
        kind, name = _securable(m, text)
        return ShowGrants(unquote_principal(m.group("principal")) if m.group("principal") else None, kind, name)
    if head.startswith("ALTER"):
        m = _ALTER.match(text)
        return _alter(m, text) if m else None
    return _catalog_statement(text)


def _without_leading_comments(statement: str) -> str:
    r"""``statement`` without the ``--`` lines and ``/* */`` blocks before its first token.

    Example:
        >>> _without_leading_comments("-- grant the analysts\n/* ticket 12 */ GRANT SELECT")
        'GRANT SELECT'
    """
    text = statement.lstrip()
    while text.startswith(("--", "/*")):
        end = text.find("\n") if text.startswith("--") else text.find("*/")
        text = "" if end < 0 else text[end + (1 if text.startswith("--") else 2):].lstrip()
    return text


def unquote_principal(text: str) -> str:
    """A principal as written (backticks removed; user and group names keep their case)."""
    return text.strip().strip("`")
