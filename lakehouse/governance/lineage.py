"""Table and column lineage of a write (CTAS, INSERT ... SELECT, MERGE), read off its SQL tree.

Rows follow ``system.access.table_lineage`` / ``column_lineage``
(https://docs.databricks.com/aws/en/admin/system-tables/lineage): one table row per source
(table, view or path) and target, one column row per (source column, target column) pair.
Column lineage is found for projections of a single SELECT (``SELECT *`` expands to the source
table's columns) and for each SET / INSERT clause of a MERGE (sqlglot's own lineage does not
walk MERGE); columns that come through a subquery or a CTE get table lineage only.

Example:
    >>> import sqlglot
    >>> tree = sqlglot.parse_one("INSERT INTO c.s.t SELECT upper(a.x) AS y FROM c.s.a AS a", read="databricks")
    >>> column_pairs(tree.expression, {"a": "c.s.a"}, lambda name: [])
    [('c.s.a', 'x', 'y')]
"""

from __future__ import annotations

import uuid

from sqlglot import exp

from .systables import now


def _sources_of(expression: exp.Expression, aliases: dict[str, str]) -> list[tuple[str, str]]:
    single = next(iter(aliases.values())) if len(set(aliases.values())) == 1 else None
    found = []
    for col in expression.find_all(exp.Column):
        source = aliases.get(col.table.lower()) if col.table else single
        if source:
            found.append((source, col.name.lower()))
    return found


def column_pairs(query: exp.Expression, aliases: dict[str, str], columns_of,
                 targets: list[str] | None = None) -> list[tuple[str, str, str]]:
    """(source table, source column, target column) for each projection of a single SELECT.

    Args:
        query: the SELECT that feeds the write.
        aliases: alias or table name -> full name of each source table in its FROM / JOIN.
        columns_of: full name -> its columns (expands ``*``).
        targets: the INSERT's column list (positional), when given.
    """
    if not isinstance(query, exp.Select):
        return []
    pairs = []
    for i, projection in enumerate(query.expressions):
        if isinstance(projection, exp.Star) or (isinstance(projection, exp.Column) and projection.is_star):
            table = projection.table.lower() if isinstance(projection, exp.Column) and projection.table else None
            for alias, full in aliases.items():
                if table in (None, alias):
                    pairs += [(full, c.lower(), c.lower()) for c in columns_of(full)]
            continue
        target = targets[i] if targets and i < len(targets) else projection.alias_or_name
        pairs += [(s, c, target.lower()) for s, c in _sources_of(projection, aliases)]
    return list(dict.fromkeys(pairs))


def merge_pairs(merge: exp.Merge, source: str | None, alias: str, columns_of) -> list[tuple[str, str, str]]:
    """(source table, source column, target column) for each SET and INSERT clause of a MERGE."""
    if not source:
        return []
    aliases = {alias: source}
    pairs = []
    for when in merge.args["whens"].expressions:
        then = when.args.get("then")
        if isinstance(then, exp.Update):
            for assignment in then.expressions:
                if isinstance(assignment, exp.Star):
                    pairs += [(source, c.lower(), c.lower()) for c in columns_of(source)]
                elif isinstance(assignment, exp.EQ):
                    target = assignment.this.name.lower()
                    pairs += [(s, c, target) for s, c in _sources_of(assignment.expression, aliases)]
        elif isinstance(then, exp.Insert):
            if isinstance(then.this, exp.Star):
                pairs += [(source, c.lower(), c.lower()) for c in columns_of(source)]
            elif isinstance(then.this, exp.Tuple) and isinstance(then.expression, exp.Tuple):
                for target, value in zip(then.this.expressions, then.expression.expressions):
                    pairs += [(s, c, target.name.lower()) for s, c in _sources_of(value, aliases)]
    return list(dict.fromkeys(pairs))


def _split(full: str | None, prefix: str) -> dict:
    parts = full.split(".") if full else [None, None, None]
    return {f"{prefix}_table_full_name": full, f"{prefix}_table_catalog": parts[0],
            f"{prefix}_table_schema": parts[1], f"{prefix}_table_name": parts[2]}


def lineage_rows(sources: list[tuple[str, str]], target: str, target_type: str, pairs, principal: str,
                 *, entity_type: str | None = None, entity_id: str | None = None) -> tuple[list, list]:
    """Rows for ``table_lineage`` and ``column_lineage``.

    Args:
        sources: (full name or path, type ``TABLE`` / ``VIEW`` / ``PATH``) read by the write.
        target: the written table's full name; target_type ``TABLE``.
        pairs: (source table, source column, target column).
        principal: who ran the write (``created_by``).
    """
    t = now()
    common = {"entity_type": entity_type, "entity_id": entity_id, "statement_id": uuid.uuid4().hex,
              "created_by": principal, "event_time": t.isoformat(), "event_date": t.date().isoformat(),
              "event_id": uuid.uuid4().hex, "target_path": None, "target_type": target_type, **_split(target, "target")}
    tables, columns = [], []
    for name, kind in dict.fromkeys(sources):
        path = name if kind == "PATH" else None
        tables.append({**common, **_split(None if path else name, "source"), "source_path": path,
                       "source_type": kind, "record_id": uuid.uuid4().hex})
    kinds = dict(sources)
    for source, column, target_column in pairs:
        columns.append({**common, **_split(source, "source"), "source_path": None,
                        "source_type": kinds.get(source, "TABLE"), "record_id": uuid.uuid4().hex,
                        "source_column_name": column, "target_column_name": target_column})
    return tables, columns
