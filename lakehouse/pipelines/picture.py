"""The pipeline's dataset graph as a picture (matplotlib; no Graphviz needed).

Datasets are placed in columns by depth (sources left), coloured by kind, with an arrow per
input; AUTO CDC flows are drawn dashed. Databricks shows the same graph in the pipeline UI.

Example:
    >>> flows = ({"name": "b", "target": "b", "type": "STREAMING", "inputs": ("a",), "cdc": None},
    ...          {"name": "a", "target": "a", "type": "STREAMING", "inputs": (), "cdc": None})
    >>> layers({"a": "streaming table", "b": "materialized view"}, flows)
    {'a': 0, 'b': 1}
"""

from __future__ import annotations

COLOURS = {"streaming table": "#cfe8ff", "materialized view": "#d8f5d0", "temporary view": "#f2f2f2"}


def layers(kinds: dict, flows) -> dict:
    """Depth of each dataset: 0 for one that reads no dataset of the pipeline."""
    inputs: dict = {name: set() for name in kinds}
    for f in flows:
        inputs[f["target"]] |= set(f["inputs"])
    depth: dict = {}

    def visit(name, seen=()):
        if name not in depth:
            depth[name] = 1 + max((visit(i, (*seen, name)) for i in inputs[name] if i not in seen), default=-1)
        return depth[name]

    for name in kinds:
        visit(name)
    return depth


def plot_graph(update, *, ax=None):
    """Draw the dataset graph of an update or dry run (:class:`~lakehouse.pipelines.UpdateResult`).

    Returns:
        The matplotlib Axes.
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import FancyBboxPatch

    depth = layers(update.kinds, update.flows)
    columns: dict = {}
    for name in update.order:
        columns.setdefault(depth[name], []).append(name)
    height = max(len(v) for v in columns.values())
    if ax is None:
        _, ax = plt.subplots(figsize=(3.2 * len(columns), 1.1 * height + 1))
    pos = {name: (3.2 * d, (height - 1) / 2 - i) for d, names in columns.items() for i, name in enumerate(names)}
    for f in update.flows:
        for source in f["inputs"]:
            (x0, y0), (x1, y1) = pos[source], pos[f["target"]]
            ax.annotate("", xy=(x1 - 1.25, y1), xytext=(x0 + 1.25, y0),
                        arrowprops={"arrowstyle": "->", "color": "#555",
                                    "linestyle": "--" if f["type"] == "AUTO_CDC" else "-"})
    for name, (x, y) in pos.items():
        kind = update.kinds[name]
        ax.add_patch(FancyBboxPatch((x - 1.25, y - 0.3), 2.5, 0.6, boxstyle="round,pad=0.05",
                                    facecolor=COLOURS.get(kind, "#eee"), edgecolor="#333"))
        ax.text(x, y + 0.07, name, ha="center", va="center", fontsize=9, weight="bold")
        ax.text(x, y - 0.17, kind, ha="center", va="center", fontsize=7, color="#444")
    ax.set_xlim(-1.5, 3.2 * (len(columns) - 1) + 1.5)
    ax.set_ylim(-(height + 1) / 2, (height + 1) / 2)
    ax.axis("off")
    ax.set_title(f"pipeline {update.pipeline_name}: {len(update.order)} datasets (dashed: AUTO CDC)")
    return ax
