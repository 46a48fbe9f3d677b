"""Which tables an update refreshes, and the full refresh that drops them and their state first.

``refresh=[...]`` updates the named tables only; ``full_refresh=True`` (every table) or
``full_refresh=[...]`` drops the tables, their checkpoints, their AUTO CDC state and staged rows,
then rebuilds them (https://docs.databricks.com/aws/en/ldp/updates).

Example:
    >>> from lakehouse.pipelines.refresh import selection   # doctest: +SKIP
"""

from __future__ import annotations

import os
import shutil

from .auto_cdc import drop_cdc_state
from .errors import PipelineGraphError


def selection(graph, full_refresh, refresh) -> set:
    """The keys (lower-case names) of the tables this update runs.

    Raises:
        PipelineGraphError: a named table is not in the pipeline.
    """
    names = {k for k, d in graph.registry.datasets.items() if d.kind != "temporary_view"}
    chosen = None
    if isinstance(full_refresh, (list, tuple, set)) or refresh:
        chosen = {n.lower() for n in (list(full_refresh) if isinstance(full_refresh, (list, tuple, set)) else [])}
        chosen |= {n.lower() for n in (refresh or [])}
        unknown = sorted(chosen - names)
        if unknown:
            raise PipelineGraphError(f"cannot refresh {', '.join(unknown)}: no such table in this pipeline.",
                                     fix=f"choose among {', '.join(sorted(names))}.")
    return chosen if chosen is not None else names


def full_refresh(spark, graph, keys) -> None:
    """Drop the tables ``keys``, their checkpoints, AUTO CDC state and staged rows."""
    storage = graph.spec.storage
    for key in keys:
        ds = graph.registry.datasets[key]
        spark.sql(f"DROP TABLE IF EXISTS {graph.table_name(ds)}")
        if any(f.cdc is not None for f in graph.registry.flows_into(key)):
            drop_cdc_state(spark, graph.table_name(ds))
        shutil.rmtree(os.path.join(storage, "checkpoints", ds.name), ignore_errors=True)
        shutil.rmtree(os.path.join(storage, "staging", ds.name), ignore_errors=True)
