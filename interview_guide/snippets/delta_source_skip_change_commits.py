"""A Delta table read as a stream accepts appends only; an UPDATE in it stops the stream.

Claim (guide Q7): after an ``UPDATE`` of the source table, a stream that reads it fails
(``DELTA_SOURCE_TABLE_IGNORE_CHANGES``); with ``skipChangeCommits`` the stream goes on and ignores
that commit (the updated row does not reach the sink) — to propagate updates read the Change
Data Feed instead (``readChangeFeed``, see ``change_data_feed.py``).
Databricks: https://docs.databricks.com/aws/en/structured-streaming/delta-lake
"""

from _expect import expect_error, fresh_schema, run_standalone


def _run_once(spark, s, checkpoint, skip=False):
    reader = spark.readStream.option("skipChangeCommits", "true") if skip else spark.readStream
    query = (reader.table(f"{s}.tickets").writeStream.option("checkpointLocation", str(checkpoint))
             .trigger(availableNow=True).toTable(f"{s}.tickets_copy"))
    query.awaitTermination()


def run(spark, tmp_path):
    s = fresh_schema(spark, "iq_skip")
    spark.sql(f"CREATE TABLE {s}.tickets (id INT, status STRING) USING delta")
    spark.sql(f"INSERT INTO {s}.tickets VALUES (1, 'open')")
    _run_once(spark, s, tmp_path / "a")
    spark.sql(f"UPDATE {s}.tickets SET status = 'closed' WHERE id = 1")
    spark.sql(f"INSERT INTO {s}.tickets VALUES (2, 'open')")
    seen = expect_error(lambda: _run_once(spark, s, tmp_path / "a"), "DELTA_SOURCE_TABLE_IGNORE_CHANGES")
    _run_once(spark, s, tmp_path / "a", skip=True)
    rows = sorted(tuple(r) for r in spark.table(f"{s}.tickets_copy").collect())
    assert rows == [(1, "open"), (2, "open")], rows  # the update was skipped, the append arrived
    spark.sql(f"DROP SCHEMA {s} CASCADE")
    return {"error": seen, "copy": rows}


if __name__ == "__main__":
    run_standalone(run)
