"""What an update returns: one :class:`UpdateResult` with a :class:`DatasetResult` per dataset.

Example:
    >>> r = UpdateResult("demo", "u1", "COMPLETED",
    ...                  {"orders": DatasetResult("orders", "streaming table", "COMPLETED", 3)})
    >>> r.rows()
    {'orders': 3}
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class DatasetResult:
    """What one update did to one dataset."""

    name: str
    kind: str  # "streaming table", "materialized view", "temporary view"
    status: str  # COMPLETED, FAILED, SKIPPED, EXCLUDED
    num_output_rows: int = 0
    dropped_records: int = 0
    expectations: tuple = ()  # ({name, dataset, passed_records, failed_records}, ...)
    seconds: float = 0.0


@dataclass(frozen=True)
class UpdateResult:
    """One pipeline update: its id, final state, per-dataset results and the event log's place."""

    pipeline_name: str
    update_id: str
    state: str  # COMPLETED or FAILED (or DRY_RUN)
    datasets: dict = field(default_factory=dict)  # name -> DatasetResult
    order: tuple = ()
    event_log: str = ""
    error: str | None = None
    flows: tuple = ()  # ({name, target, type, inputs, cdc}, ...): the graph as the runner resolved it
    kinds: dict = field(default_factory=dict)  # dataset name -> "streaming table" | "materialized view" | ...

    def rows(self) -> dict:
        """``{dataset: num_output_rows}`` of the published datasets."""
        return {n: d.num_output_rows for n, d in self.datasets.items() if d.kind != "temporary view"}
