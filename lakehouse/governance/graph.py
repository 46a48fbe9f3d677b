"""A lineage picture of one table: what feeds it (upstream) and what it feeds (downstream).

Reads ``system.access.table_lineage`` (as Catalog Explorer's lineage graph does,
https://docs.databricks.com/aws/en/data-governance/unity-catalog/data-lineage) and draws the
tables and paths as boxes in columns by distance, with arrows in the direction data flows.

Example:
    >>> from lakehouse.governance.graph import layers
    >>> layers([("a", "b"), ("b", "c"), ("c", "d")], "c")
    {'c': 0, 'b': -1, 'a': -2, 'd': 1}
"""

from __future__ import annotations


def layers(edges: list[tuple[str, str]], table: str) -> dict[str, int]:
    """Distance of each node connected to ``table``: negative upstream, positive downstream."""
    depth = {table: 0}
    for step, (near, far) in ((-1, (1, 0)), (1, (0, 1))):
        frontier = [table]
        while frontier:
            node = frontier.pop()
            for edge in edges:
                if edge[near] == node and edge[far] not in depth:
                    depth[edge[far]] = depth[node] + step
                    frontier.append(edge[far])
    return depth


def lineage_graph(table: str, *, spark=None):
    """Draw the upstream and downstream lineage of ``table`` (a full name); returns the matplotlib figure.

    Raises:
        GovernanceError: no lineage was recorded for ``table``.

    Example:
        >>> from lakehouse.governance import lineage_graph                     # doctest: +SKIP
        >>> lineage_graph("spark_catalog.lab10.customer_360")                   # doctest: +SKIP
    """
    import matplotlib.pyplot as plt

    from .errors import GovernanceError
    from .execute import sql

    rows = sql("SELECT DISTINCT coalesce(source_table_full_name, source_path) AS s, target_table_full_name AS t "
               "FROM system.access.table_lineage", spark=spark).collect()
    edges = [(r.s, r.t) for r in rows if r.s and r.t]
    depth = layers(edges, table.lower())
    if len(depth) == 1:
        raise GovernanceError(f"no lineage recorded for {table}.",
                              fix="write it with lakehouse.sql (CTAS, INSERT ... SELECT, MERGE) first.")
    columns: dict[int, list[str]] = {}
    for node, d in sorted(depth.items(), key=lambda kv: (kv[1], kv[0])):
        columns.setdefault(d, []).append(node)
    where = {n: (d, -i + (len(ns) - 1) / 2) for d, ns in columns.items() for i, n in enumerate(ns)}
    fig, ax = plt.subplots(figsize=(3.2 * len(columns), 1.1 * max(len(v) for v in columns.values()) + 1))
    for s, t in edges:
        if s in where and t in where:
            (xs, ys), (xt, yt) = where[s], where[t]
            ax.annotate("", xy=(xt - 0.3, yt), xytext=(xs + 0.3, ys),
                        arrowprops={"arrowstyle": "-|>", "color": "grey", "shrinkA": 0, "shrinkB": 0})
    for node, (x, y) in where.items():
        label = node if "/" not in node else "files: …/" + "/".join(node.rstrip("/").split("/")[-2:])
        ax.text(x, y, label.replace(".", ".\n", 1) if "/" not in node else label, ha="center", va="center",
                fontsize=8, bbox={"boxstyle": "round", "fc": "#ffe9a8" if node == table.lower() else "#e8f0fe"})
    ax.set_xlim(min(columns) - 0.6, max(columns) + 0.6)
    ax.set_ylim(min(y for _, y in where.values()) - 0.8, max(y for _, y in where.values()) + 0.8)
    ax.set_axis_off()
    ax.set_title(f"lineage of {table}: upstream (left) and downstream (right)", fontsize=9)
    plt.close(fig)
    return fig
