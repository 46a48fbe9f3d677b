"""VACUUM refuses a retention under the 7-day default; old versions stay readable until VACUUM;
files Delta does not manage are deleted too, and ``DRY RUN`` lists them first.

Claim (guide Q13): ``VACUUM t RETAIN 0 HOURS`` fails while
``spark.databricks.delta.retentionDurationCheck.enabled`` is true (the default); files a newer
version replaced stay on disk, so time travel to the old version works until a VACUUM past
the retention removes them. A file another tool wrote into the table directory is not part of
the table; ``VACUUM t DRY RUN`` lists it (once it is older than the retention: seen here with
Delta 4.4, a fresh one may belong to a write in flight) and ``VACUUM t`` deletes it, while a
directory starting with ``_`` is skipped.
Databricks: https://docs.databricks.com/aws/en/sql/language-manual/delta-vacuum
"""

import os
import time
from urllib.parse import urlparse

from _expect import expect_error, fresh_schema, run_standalone

EIGHT_DAYS = 8 * 24 * 3600


def run(spark, tmp_path):
    s = fresh_schema(spark, "iq_vacuum")
    spark.sql(f"CREATE TABLE {s}.t (id INT) USING delta")
    spark.sql(f"INSERT INTO {s}.t VALUES (1), (2)")
    spark.sql(f"INSERT OVERWRITE {s}.t VALUES (3)")
    seen = expect_error(lambda: spark.sql(f"VACUUM {s}.t RETAIN 0 HOURS").collect(),
                        "DELTA_VACUUM_RETENTION_PERIOD_TOO_SHORT", "retentionDurationCheck")
    # The default retention (168 hours) keeps the replaced file: version 1 still reads.
    spark.sql(f"VACUUM {s}.t")
    old = spark.sql(f"SELECT count(*) AS n FROM {s}.t VERSION AS OF 1").first().n
    assert old == 2
    # Files another tool put into the table directory (the engine runs on this machine: local paths).
    location = urlparse(spark.sql(f"DESCRIBE DETAIL {s}.t").first().location).path
    stray = {name: os.path.join(location, *name.split("/"))
             for name in ("stray-old.parquet", "stray-new.parquet", "_keep/stray-old.parquet")}
    for name, path in stray.items():
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(b"not a table file")
        if "old" in name:
            os.utime(path, (time.time() - EIGHT_DAYS, time.time() - EIGHT_DAYS))
    listed = {os.path.basename(urlparse(r[0]).path) for r in spark.sql(f"VACUUM {s}.t DRY RUN").collect()}
    assert "stray-old.parquet" in listed and "stray-new.parquet" not in listed, listed
    assert all(os.path.exists(p) for p in stray.values())          # DRY RUN deletes nothing
    spark.sql(f"VACUUM {s}.t").collect()
    left = sorted(n for n, p in stray.items() if os.path.exists(p))
    assert left == ["_keep/stray-old.parquet", "stray-new.parquet"], left
    assert spark.table(f"{s}.t").count() == 1
    spark.sql(f"DROP SCHEMA {s} CASCADE")
    return {"error": seen, "rows_at_version_1_after_vacuum": old, "dry_run_lists": sorted(listed),
            "left_after_vacuum": left}


if __name__ == "__main__":
    run_standalone(run)
