"""A watermark bounds streaming dedup; a row behind it is dropped and only counted.

Claim (guide Q20, Q21): with ``withWatermark("ts", "10 minutes")``,
``dropDuplicatesWithinWatermark(["event_id"])`` drops a re-sent event whose timestamp differs;
after a batch whose latest event is 10:30 the watermark is 10:20, so in the next run an event
of 09:00 is dropped (``numRowsDroppedByWatermark`` 1 in the progress) while one of 10:25 is kept.
The watermark lives in the checkpoint, so it survives the restart between the two runs.
Databricks: https://docs.databricks.com/aws/en/structured-streaming/watermarks
"""

from _expect import fresh_schema, run_standalone


def _run_once(spark, s, checkpoint):
    query = (spark.readStream.table(f"{s}.clicks").withWatermark("ts", "10 minutes")
             .dropDuplicatesWithinWatermark(["event_id"]).writeStream
             .option("checkpointLocation", str(checkpoint)).trigger(availableNow=True)
             .toTable(f"{s}.clicks_dedup"))
    query.awaitTermination()
    return sum((op.numRowsDroppedByWatermark for p in query.recentProgress for op in p.stateOperators), 0)


def run(spark, tmp_path):
    s = fresh_schema(spark, "iq_watermark")
    spark.sql(f"CREATE TABLE {s}.clicks (event_id STRING, ts TIMESTAMP) USING delta")
    spark.sql(f"""INSERT INTO {s}.clicks VALUES ('a', TIMESTAMP'2024-01-01 10:00:00'),
                  ('a', TIMESTAMP'2024-01-01 10:03:00'), ('b', TIMESTAMP'2024-01-01 10:30:00')""")
    checkpoint = tmp_path / "checkpoint"
    first = _run_once(spark, s, checkpoint)
    spark.sql(f"""INSERT INTO {s}.clicks VALUES ('c', TIMESTAMP'2024-01-01 09:00:00'),
                  ('d', TIMESTAMP'2024-01-01 10:25:00')""")
    second = _run_once(spark, s, checkpoint)
    kept = sorted(r.event_id for r in spark.table(f"{s}.clicks_dedup").collect())
    assert kept == ["a", "b", "d"] and (first, second) == (0, 1), (kept, first, second)
    spark.sql(f"DROP SCHEMA {s} CASCADE")
    return {"kept": kept, "dropped_by_watermark": second}


if __name__ == "__main__":
    run_standalone(run)
