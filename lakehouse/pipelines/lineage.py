"""Table lineage of a pipeline update (entity ``PIPELINE``), for ``system.access.table_lineage``.

Databricks records pipeline lineage in the lineage system tables
(https://docs.databricks.com/aws/en/admin/system-tables/lineage); see :mod:`lakehouse.governance`.
A temporary view is not a table: a flow reading one is recorded as reading what the view reads.

Example:
    >>> from lakehouse.pipelines.lineage import record_lineage   # doctest: +SKIP
"""

from __future__ import annotations

from .spec import pipeline_id


def record_lineage(graph, results: dict) -> None:
    """Append one lineage row per table each completed flow read into its target."""
    from ..governance.lineage import lineage_rows
    from ..governance.principals import current_principal
    from ..governance.systables import append

    datasets = graph.registry.datasets

    def tables_read(flow, seen=()) -> list:  # a temporary view stands for what it reads
        found = []
        for d in (datasets[k.lower()] for k in sorted(graph.inputs[flow.name]) if k.lower() in datasets):
            if d.kind != "temporary_view":
                found.append(d)
            elif d.name not in seen:
                found += [t for f in graph.registry.flows_into(d.name) for t in tables_read(f, (*seen, d.name))]
        return found

    for flow in graph.registry.flows.values():
        target = datasets.get(flow.target.lower())
        done = getattr(results.get(target.name), "status", None) == "COMPLETED" if target else False
        if not done or target.kind == "temporary_view":
            continue
        sources = [(graph.table_name(d), "TABLE") for d in tables_read(flow)]
        tables, _ = lineage_rows(sources, graph.table_name(target), "TABLE", [], current_principal().email,
                                 entity_type="PIPELINE", entity_id=pipeline_id(graph.spec))
        append("table_lineage", tables)
