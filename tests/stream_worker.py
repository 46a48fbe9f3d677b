"""A process that runs the real-time C360's bronze and silver queries until the landing is done.

Used by tests/test_streaming_reliability.py, which SIGKILLs it at random moments and starts it
again: ``python tests/stream_worker.py ROOT CUSTOMERS_PATH``. Classic mode, its own
``LAKEHOUSE_HOME`` (set by the caller); the caller kills its process group, so the JVM that
runs the streams dies with it, mid-batch. The customer dimension is the clean run's Delta
table, read by path. Prints ``READY`` once streaming starts and ``DONE {json}`` (table
locations) when every landed file has been processed.
"""

from __future__ import annotations

import json
import sys


def main(root: str, customers_path: str) -> None:
    from lakehouse import get_spark
    from lakehouse.c360 import realtime as st

    spark = get_spark(app_name="stream-worker")
    schema = "spark_catalog.reliability"
    spark.sql(f"CREATE SCHEMA IF NOT EXISTS {schema}")
    layout = st.Layout(schema, f"{root}/landing", f"{root}/checkpoints", f"{root}/schemas",
                       "delta.`" + customers_path.replace("`", "``") + "`", prefix="worker_")
    print("READY", flush=True)
    st.run_available(spark, layout, ("bronze", "silver"), max_files_per_trigger=1)
    where = {name: spark.sql(f"DESCRIBE DETAIL {layout.table(name)}").first().location
             for name in ("bronze", "late", "silver", "rejects", "gold")}
    print("DONE " + json.dumps(where), flush=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
