"""``DeltaTable.clone`` into a catalog: refused by name where Delta's Python clone cannot land.

Kept apart from :mod:`lakehouse.runtime.catalogs` (engine settings, part of the Delta Connect
record key): this guard changes no engine setting.

Example:
    >>> clone_catalog(None, "dev.s.t")
    'dev'
"""

from __future__ import annotations

from .catalogs import SESSION_CATALOG, default_catalog

_CLONES = {"clone": 0, "cloneAtVersion": 1, "cloneAtTimestamp": 1}   # method -> position of ``target``


def clone_catalog(spark, target: str) -> str:
    """The catalog a ``DeltaTable.clone`` target lands in (its first part, else the current catalog).

    Example:
        >>> clone_catalog(None, "dev.s.t")
        'dev'
    """
    from .names import ident_parts

    parts = ident_parts(target)
    if len(parts) == 3:
        return parts[0].lower()
    return spark.sql("SELECT current_catalog()").first()[0].lower()


def guard_delta_clone(delta_table_class) -> None:
    """Make ``DeltaTable.clone``, ``cloneAtVersion`` and ``cloneAtTimestamp`` into a catalog other
    than the default one (and ``spark_catalog``) fail first with our error naming the SQL that works.

    Delta's Python clone hands the target to Delta's ``DeltaTableBuilder`` path, which reopens it
    as a two-part name through the metastore: the clone of ``dev.s.t`` (metastore database
    ``dev__s``) fails with ``DELTA_MISSING_DELTA_TABLE``. ``CREATE TABLE dev.s.t SHALLOW CLONE src``
    works (the plugin's ``CatalogExtensions``). Idempotent; ``get_spark()`` calls it.

    Args:
        delta_table_class: ``delta.connect.tables.DeltaTable`` or ``delta.tables.DeltaTable``.

    Raises:
        CloneIntoCatalogError: from a guarded method, before anything is written.

    Example:
        >>> class Fake:
        ...     def clone(self, target, isShallow=False, replace=False, properties=None): return target
        >>> guard_delta_clone(Fake); guard_delta_clone(Fake)
        >>> Fake.clone._original.__name__
        'clone'

    Databricks: https://docs.databricks.com/aws/en/sql/language-manual/delta-clone
    """
    from ..errors import CloneIntoCatalogError

    for name, position in _CLONES.items():
        original = getattr(delta_table_class, name, None)
        if original is None or hasattr(original, "_original"):
            continue

        def guarded(self, *args, _original=original, _name=name, _position=position, **kwargs):
            target = kwargs["target"] if "target" in kwargs else args[_position]
            catalog = clone_catalog(self._spark, target)
            if catalog not in (default_catalog(), SESSION_CATALOG):
                raise CloneIntoCatalogError(
                    f"DeltaTable.{_name}(target={target!r}) clones into catalog {catalog!r}; locally "
                    f"DeltaTable clones only into the default catalog {default_catalog()!r}.",
                    fix=f"use SQL, which clones into any catalog: spark.sql(\"CREATE TABLE {target} SHALLOW "
                        f"CLONE <source>\") (three-part target), or clone into {default_catalog()!r}.")
            return _original(self, *args, **kwargs)

        guarded._original = original
        guarded.__name__, guarded.__doc__ = name, original.__doc__
        setattr(delta_table_class, name, guarded)
