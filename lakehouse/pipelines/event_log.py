"""The pipeline event log: one Delta table per pipeline, Databricks' columns and event types.

Columns (https://docs.databricks.com/aws/en/ldp/monitor-event-log-schema): ``id, sequence,
origin, timestamp, message, level, maturity_level, error, details, event_type``. ``details``
is a JSON string; ``origin`` a struct with ``pipeline_id, pipeline_name, update_id,
flow_name, dataset_name``. Event types written here: ``create_update``, ``update_progress``,
``flow_definition``, ``flow_progress`` (``details.flow_progress.status``, ``.metrics.num_output_rows``,
``.data_quality.{dropped_records, expectations[{name, dataset, passed_records, failed_records}]}``).

The table lives at ``<storage>/system/events`` (where Databricks' Hive-metastore pipelines kept
it). Events are buffered and appended in one commit per update, also when the update fails.

Example:
    >>> log = EventLog(pipeline_id="p1", pipeline_name="demo", update_id="u1")
    >>> log.add("update_progress", "Update u1 is RUNNING.", {"update_progress": {"state": "RUNNING"}})
    >>> log.events[0]["event_type"], log.events[0]["origin"]["update_id"]
    ('update_progress', 'u1')
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import uuid

SCHEMA = ("id STRING, sequence STRUCT<data_plane_id: STRUCT<instance: STRING, seq_no: BIGINT>>, "
          "origin STRUCT<pipeline_id: STRING, pipeline_name: STRING, update_id: STRING, flow_name: STRING, "
          "dataset_name: STRING>, timestamp TIMESTAMP, message STRING, level STRING, maturity_level STRING, "
          "error STRUCT<fatal: BOOLEAN, exceptions: ARRAY<STRUCT<class_name: STRING, message: STRING>>>, "
          "details STRING, event_type STRING")


def event_log_path(storage: str) -> str:
    """Where the event log table of a pipeline with this ``storage`` lives."""
    return os.path.join(storage, "system", "events")


class EventLog:
    """The events of one update, buffered until :meth:`flush`."""

    def __init__(self, *, pipeline_id: str, pipeline_name: str, update_id: str):
        self.pipeline_id, self.pipeline_name, self.update_id = pipeline_id, pipeline_name, update_id
        self.events: list[dict] = []

    def add(self, event_type: str, message: str, details: dict, *, level: str = "INFO", flow: str | None = None,
            dataset: str | None = None, error: BaseException | None = None, maturity: str = "STABLE") -> None:
        """Record one event."""
        err = None
        if error is not None:
            err = {"fatal": True, "exceptions": [{"class_name": type(error).__name__,
                                                  "message": str(error).splitlines()[0][:2000]}]}
        self.events.append({
            "id": str(uuid.uuid4()),
            "sequence": {"data_plane_id": {"instance": self.update_id, "seq_no": len(self.events)}},
            "origin": {"pipeline_id": self.pipeline_id, "pipeline_name": self.pipeline_name,
                       "update_id": self.update_id, "flow_name": flow, "dataset_name": dataset},
            "timestamp": _dt.datetime.now(_dt.timezone.utc).replace(tzinfo=None),
            "message": message, "level": level, "maturity_level": maturity, "error": err,
            "details": json.dumps(details), "event_type": event_type,
        })

    def flush(self, spark, storage: str) -> None:
        """Append the buffered events to the event log table (one commit) and clear the buffer."""
        if not self.events:
            return
        rows = [tuple(e[c] for c in ("id", "sequence", "origin", "timestamp", "message", "level", "maturity_level",
                                     "error", "details", "event_type")) for e in self.events]
        frame = spark.createDataFrame(rows, SCHEMA)
        try:
            frame.write.format("delta").mode("append").save(event_log_path(storage))
        except Exception:  # noqa: BLE001  once seen on a machine at load 20: a part file vanished mid-write
            frame.write.format("delta").mode("append").save(event_log_path(storage))  # an append is safe to retry
        self.events = []
