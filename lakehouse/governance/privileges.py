"""Unity Catalog's access decisions, as pure functions of the metastore state and a principal.

The rules (https://docs.databricks.com/aws/en/data-governance/unity-catalog/manage-privileges/privileges):
deny unless granted; a privilege granted on a catalog or schema applies to every object below
it; the owner of an object, and a metastore admin, hold every privilege on it; reading a table
or view needs USE CATALOG on its catalog, USE SCHEMA on its schema and SELECT on it; writing
needs MODIFY; creating needs CREATE TABLE / CREATE FUNCTION on the schema; granting needs
ownership or MANAGE. ALL PRIVILEGES stands for every privilege except MANAGE.

Example:
    >>> from lakehouse.governance.store import Metastore
    >>> from lakehouse.governance.principals import Principal
    >>> m = Metastore.empty()
    >>> m.grant("analysts", ("USE CATALOG",), "CATALOG", "main")
    >>> m.grant("analysts", ("USE SCHEMA", "SELECT"), "SCHEMA", "main.gold")
    >>> missing(m, Principal("a@x", ("analysts",)), "read", "TABLE", "main.gold.c360")
    >>> missing(m, Principal("a@x", ("analysts",)), "write", "TABLE", "main.gold.c360")
    ('MODIFY', 'TABLE main.gold.c360')
"""

from __future__ import annotations

from .principals import Principal
from .store import Metastore

# action -> the privilege it needs on the object itself (after USE CATALOG / USE SCHEMA)
ACTIONS = {"read": "SELECT", "write": "MODIFY", "execute": "EXECUTE", "create_table": "CREATE TABLE",
           "create_function": "CREATE FUNCTION", "manage": "MANAGE", "use": None}


def ancestors(kind: str, name: str) -> list[tuple[str, str]]:
    """The object and its parents, nearest first: TABLE a.b.c -> [TABLE a.b.c, SCHEMA a.b, CATALOG a]."""
    parts = name.split(".")
    chain = [(kind, name)]
    if kind in ("TABLE", "FUNCTION") and len(parts) == 3:
        chain.append(("SCHEMA", ".".join(parts[:2])))
    if kind != "CATALOG":
        chain.append(("CATALOG", parts[0]))
    return chain


def holds(store: Metastore, who: Principal, privilege: str, kind: str, name: str) -> bool:
    """True when ``who`` holds ``privilege`` on the object, granted there or on a parent, or by ownership."""
    if who.is_admin:
        return True
    names = who.names()
    accepted = {privilege} if privilege == "MANAGE" else {privilege, "ALL PRIVILEGES"}
    for k, n in ancestors(kind, name):
        if store.owner(k, n) in names:
            return True
        if any(g[0] in names and g[1] in accepted and g[2] == k and g[3] == n for g in store.grants):
            return True
    return False


def missing(store: Metastore, who: Principal, action: str, kind: str, name: str) -> tuple[str, str] | None:
    """The first privilege ``who`` lacks for ``action`` on the object, as (privilege, "KIND name"); None if allowed.

    ``action`` is one of ``read``, ``write``, ``execute``, ``create_table``, ``create_function``
    (``name`` is then the schema), ``manage`` (grant, alter, drop) and ``use``.
    """
    chain = ancestors(kind, name)
    catalog = chain[-1]
    if action != "manage" and not holds(store, who, "USE CATALOG", *catalog):
        return "USE CATALOG", f"CATALOG {catalog[1]}"
    schema = next((c for c in chain if c[0] == "SCHEMA"), None)
    if action != "manage" and schema and not holds(store, who, "USE SCHEMA", *schema):
        return "USE SCHEMA", f"SCHEMA {schema[1]}"
    privilege = ACTIONS[action]
    if privilege and not holds(store, who, privilege, kind, name):
        return privilege, f"{kind} {name}"
    return None
