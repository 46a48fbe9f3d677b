"""A process that runs the real-time C360's bronze and silver queries until the landing is done.

Used by tests/test_streaming_reliability.py, which SIGKILLs it at random moments and starts it
again: ``python tests/stream_worker.py ROOT SOURCE_DATA``. Classic mode, its own
``LAKEHOUSE_HOME`` (set by the caller), so killing it kills the JVM that runs the streams.
Prints ``DONE {json}`` (table locations) when every landed file has been processed.
"""

from __future__ import annotations

import json
import sys


def main(root: str, source_data: str) -> None:
    from lakehouse import get_spark
    from lakehouse.c360 import streaming as st

    spark = get_spark(app_name="stream-worker")
    schema = "spark_catalog.reliability"
    spark.sql(f"CREATE SCHEMA IF NOT EXISTS {schema}")
    layout = st.Layout(schema, f"{root}/landing", f"{root}/checkpoints", f"{root}/schemas",
                       f"{schema}.silver_customers", prefix="worker_")
    st.prepare_customers(spark, source_data, layout)
    print("READY", flush=True)
    st.run_available(spark, layout, ("bronze", "silver"), max_files_per_trigger=1)
    where = {name: spark.sql(f"DESCRIBE DETAIL {layout.table(name)}").first().location
             for name in ("bronze", "late", "silver", "rejects", "gold")}
    print("DONE " + json.dumps(where), flush=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
