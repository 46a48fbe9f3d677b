"""Unity Catalog's three-level namespace (``catalog.schema.table``) on the local engine.

Every catalog is our Spark catalog plugin ``lakehouse.catalog.LocalCatalog`` (Java, built with
the Delta Connect plugin in ``delta-connect-plugin/``), registered as
``spark.sql.catalog.<name>``. It forwards to the session catalog (Delta's ``DeltaCatalog`` over
the Hive metastore) with each schema mapped to one metastore database:

* the default catalog (``LAKEHOUSE_CATALOG``, else ``main``, as the course uses on Databricks):
  schema ``s`` is database ``s``, so ``main.s.t``, ``s.t`` and ``spark_catalog.s.t`` are one table;
* any other catalog ``c``: schema ``s`` is database ``c__s``; the catalog itself is the empty
  marker database ``c__`` (``CREATE CATALOG`` makes it). Catalog names never contain ``__``.

A catalog not registered in a session still answers there (``c.s.t`` reaches the current catalog
as namespace ``[c, s]``, which the plugin maps the same way); :func:`register_catalogs` registers
every recorded catalog in a new session so that ``USE CATALOG``, ``current_catalog()`` and
``DeltaTable.forName`` know them too.
Databricks: https://docs.databricks.com/aws/en/data-governance/unity-catalog/ (object model).

Example:
    >>> catalog_conf("main")["spark.sql.defaultCatalog"]
    'main'
    >>> metastore_database("dev", "sales"), metastore_database("main", "sales", root="main")
    ('dev__sales', 'sales')
"""

from __future__ import annotations

import os
import re

from ..errors import ConfigError

CATALOG_CLASS = "lakehouse.catalog.LocalCatalog"
EXTENSIONS_CLASS = "lakehouse.catalog.CatalogExtensions"
SEPARATOR = "__"
SESSION_CATALOG = "spark_catalog"
_NAME = re.compile(r"^[a-z_][a-z0-9_]*$")


def default_catalog() -> str:
    """The catalog two-part names resolve in: ``LAKEHOUSE_CATALOG`` or ``main``.

    Raises:
        ConfigError: a name that is not a valid local catalog name.
    """
    name = os.environ.get("LAKEHOUSE_CATALOG", "main").strip().lower()
    check_catalog_name(name, ConfigError)
    return name


def check_catalog_name(name: str, error=ConfigError) -> str:
    """``name`` if it is a valid local catalog name (letters, digits, ``_``; no ``__``), else ``error``.

    Example:
        >>> check_catalog_name("dev")
        'dev'
    """
    if not _NAME.match(name) or SEPARATOR in name or name in (SESSION_CATALOG, "system"):
        raise error(f"{name!r} cannot be a catalog name here: use letters, digits and single underscores "
                    f"(no '{SEPARATOR}', which separates catalog and schema in the local metastore); "
                    f"'{SESSION_CATALOG}' and 'system' are reserved.",
                    fix="pick another name, e.g. dev or prod.")
    return name


def catalog_conf(root: str | None = None, *, extensions: str = "") -> dict[str, str]:
    """Engine settings: the default catalog registered and made the session default, and our
    session extensions (``CatalogExtensions``: CLONE into a catalog) put before ``extensions``
    (the engine's others, Delta's among them: its rules must see the clone target renamed first).

    Example:
        >>> catalog_conf("main", extensions="io.delta.sql.DeltaSparkSessionExtension")["spark.sql.extensions"]
        'lakehouse.catalog.CatalogExtensions,io.delta.sql.DeltaSparkSessionExtension'
    """
    root = root or default_catalog()
    return {f"spark.sql.catalog.{root}": CATALOG_CLASS, "spark.sql.defaultCatalog": root,
            "spark.sql.extensions": ",".join(x for x in (EXTENSIONS_CLASS, extensions) if x)}


def metastore_database(catalog: str, schema: str, *, root: str | None = None) -> str:
    """The Hive metastore database holding ``catalog.schema`` (see the module docstring)."""
    return schema if catalog == (root or default_catalog()) else f"{catalog}{SEPARATOR}{schema}"


def list_catalogs(spark) -> list[str]:
    """The catalogs of this metastore: the default one and every ``CREATE CATALOG``, sorted."""
    rows = spark.sql(f"SHOW SCHEMAS IN {SESSION_CATALOG} LIKE '*{SEPARATOR}'").collect()
    made = {r[0][: -len(SEPARATOR)] for r in rows if r[0].endswith(SEPARATOR) and r[0].count(SEPARATOR) == 1}
    return sorted(made | {default_catalog()})


def catalogs_enabled(spark) -> bool:
    """True when the engine runs our catalog plugin (built by ``make setup``)."""
    return spark.conf.get(f"spark.sql.catalog.{default_catalog()}", None) == CATALOG_CLASS


def register_catalogs(spark, names=None) -> None:
    """Register catalogs (default: every recorded one) in this session as ``spark.sql.catalog.<name>``."""
    for name in names if names is not None else list_catalogs(spark):
        if name != default_catalog():
            spark.conf.set(f"spark.sql.catalog.{name}", CATALOG_CLASS)
