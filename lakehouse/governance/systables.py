"""``system.access.audit``, ``system.access.table_lineage`` and ``system.access.column_lineage``.

Locally they are Delta tables in the schema ``spark_catalog.system_access`` (an open-source
session catalog cannot hold a catalog named ``system``): ``lakehouse.sql`` maps the names
``system.access.<table>`` to them, so ``lakehouse.sql("SELECT * FROM system.access.audit")``
runs as on Databricks (with ``spark.sql`` write ``system_access.audit``). Each governed
statement appends its events to a small JSON-lines spool under ``LAKEHOUSE_HOME/governance/``
(microseconds, no Spark job); a query of a ``system.access`` table first moves the spool into
the Delta table (one append), so every event written before the query is in it.

Columns follow the Databricks references (a subset: no account, metastore or workspace ids):
https://docs.databricks.com/aws/en/admin/system-tables/audit-logs and
https://docs.databricks.com/aws/en/admin/system-tables/lineage

Example:
    >>> from lakehouse.governance.systables import SYSTEM_TABLES
    >>> sorted(SYSTEM_TABLES)
    ['audit', 'column_lineage', 'table_lineage']
"""

from __future__ import annotations

import json
import os
import uuid
from datetime import datetime, timezone

from ..runtime.paths import lakehouse_home

LOCAL_SCHEMA = "spark_catalog.system_access"

_AUDIT = ("event_time TIMESTAMP, event_date DATE, event_id STRING, version STRING, service_name STRING, "
          "action_name STRING, user_identity STRUCT<email: STRING, subject_name: STRING>, "
          "request_id STRING, request_params MAP<STRING, STRING>, "
          "response STRUCT<status_code: INT, error_message: STRING, result: STRING>, "
          "audit_level STRING, session_id STRING, source_ip_address STRING, user_agent STRING, "
          "identity_metadata STRUCT<run_by: STRING, run_as: STRING>")
_LINEAGE = ("entity_type STRING, entity_id STRING, statement_id STRING, source_table_full_name STRING, "
            "source_table_catalog STRING, source_table_schema STRING, source_table_name STRING, "
            "source_path STRING, source_type STRING, target_table_full_name STRING, "
            "target_table_catalog STRING, target_table_schema STRING, target_table_name STRING, "
            "target_path STRING, target_type STRING, created_by STRING, event_time TIMESTAMP, "
            "event_date DATE, record_id STRING, event_id STRING")
SYSTEM_TABLES = {"audit": _AUDIT, "table_lineage": _LINEAGE,
                 "column_lineage": _LINEAGE + ", source_column_name STRING, target_column_name STRING"}


def _spool(table: str):
    return lakehouse_home() / "governance" / f"{table}.jsonl"


def now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def append(table: str, rows: list[dict]) -> None:
    """Add events to the spool of one system table (no Spark)."""
    if not rows:
        return
    path = _spool(table)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as out:
        for row in rows:
            out.write(json.dumps(row, default=str) + "\n")


def audit_event(principal: str, action: str, params: dict, *, status: int = 200, error: str | None = None,
                run_as: str | None = None) -> dict:
    """One ``system.access.audit`` row (service ``unityCatalog``)."""
    t = now()
    return {"event_time": t.isoformat(), "event_date": t.date().isoformat(), "event_id": uuid.uuid4().hex,
            "version": "2.0", "service_name": "unityCatalog", "action_name": action,
            "user_identity": {"email": principal, "subject_name": None}, "request_id": uuid.uuid4().hex,
            "request_params": {k: str(v) for k, v in params.items() if v is not None},
            "response": {"status_code": status, "error_message": error, "result": None},
            "audit_level": "WORKSPACE_LEVEL", "session_id": str(os.getpid()), "source_ip_address": "127.0.0.1",
            "user_agent": "lakehouse.sql", "identity_metadata": {"run_by": principal, "run_as": run_as or principal}}


def ingest(spark, table: str) -> None:
    """Move the spool of ``table`` into the Delta table ``system_access.<table>`` (creating it once)."""
    from pyspark.sql import functions as F

    full = f"{LOCAL_SCHEMA}.{table}"
    spark.sql(f"CREATE SCHEMA IF NOT EXISTS {LOCAL_SCHEMA}")
    spark.sql(f"CREATE TABLE IF NOT EXISTS {full} ({SYSTEM_TABLES[table]}) USING delta")
    path = _spool(table)
    if not path.is_file():
        return
    taken = path.with_suffix(f".{uuid.uuid4().hex}.ingest")
    os.replace(path, taken)  # new events go to a fresh spool meanwhile
    rows = taken.read_text().splitlines()
    if rows:
        raw = spark.createDataFrame([(r,) for r in rows], "j STRING")
        parsed = raw.select(F.from_json("j", SYSTEM_TABLES[table]).alias("r")).select("r.*")
        parsed.write.format("delta").mode("append").saveAsTable(full)
    taken.unlink()
