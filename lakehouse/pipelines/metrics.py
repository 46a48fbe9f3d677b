"""Expectation counts as numbers: observed-metric Rows summed over a stream's progress, per-flow
reports merged per dataset.

A streaming flow's counts arrive in each ``StreamingQueryProgress.observedMetrics`` as a Row; on
Spark Connect that Row comes back as ``Row(values=[...], schema={...})``, which
:func:`row_values` reads as well.

Example:
    >>> from types import SimpleNamespace
    >>> progress = [SimpleNamespace(observedMetrics={"m": {"__rows": 3, "__dropped": 1}})]
    >>> sum_observed(progress, "m", ["__rows", "__dropped"])
    {'__rows': 3, '__dropped': 1}
    >>> row_values({"values": [4], "schema": {"fields": [{"name": "__rows"}]}})
    {'__rows': 4}
"""

from __future__ import annotations


def sum_observed(progress, name: str, names) -> dict:
    """``{metric: total}`` of the observation ``name`` over the progress reports of a stream."""
    totals = {n: 0 for n in names}
    for p in progress:
        found = (getattr(p, "observedMetrics", None) or {}).get(name)
        if found is None:
            continue
        values = row_values(found)
        for n in names:
            totals[n] += int(values.get(n) or 0)
    return totals


def row_values(row) -> dict:
    """A row of observed metrics as a dict (Connect gives ``Row(values=[...], schema={...})``)."""
    data = row.asDict() if hasattr(row, "asDict") else dict(row)
    if set(data) == {"values", "schema"}:
        schema = data["schema"]
        fields = schema.get("fields", []) if isinstance(schema, dict) else []
        return {f["name"]: v for f, v in zip(fields, data["values"])}
    return data


def merge_quality(total: list, new: list) -> list:
    """Per-expectation counts of several flows into one dataset, added up by expectation name.

    Example:
        >>> merge_quality([{"name": "a", "passed_records": 1, "failed_records": 0}],
        ...               [{"name": "a", "passed_records": 2, "failed_records": 1}])
        [{'name': 'a', 'passed_records': 3, 'failed_records': 1}]
    """
    by_name = {e["name"]: dict(e) for e in total}
    for e in new:
        if e["name"] in by_name:
            by_name[e["name"]]["passed_records"] += e["passed_records"]
            by_name[e["name"]]["failed_records"] += e["failed_records"]
        else:
            by_name[e["name"]] = dict(e)
    return list(by_name.values())
