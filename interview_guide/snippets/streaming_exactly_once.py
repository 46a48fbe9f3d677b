"""A checkpointed stream processes each input once: a rerun reads only what is new.

Claim (guide Q18): with a checkpoint, a Delta-to-Delta stream under ``trigger(availableNow=True)``
processes the rows present, a second run with nothing new reads 0 rows, and after an append
only the new rows; the sink holds each row once. A new checkpoint would reprocess everything.
Databricks: https://docs.databricks.com/aws/en/structured-streaming/triggers and
https://docs.databricks.com/aws/en/structured-streaming/delta-lake
"""

from _expect import fresh_schema, run_standalone


def _run_once(spark, s, checkpoint):
    query = (spark.readStream.table(f"{s}.bronze").writeStream
             .option("checkpointLocation", str(checkpoint)).trigger(availableNow=True)
             .toTable(f"{s}.silver"))
    query.awaitTermination()
    return sum(p.numInputRows for p in query.recentProgress)


def run(spark, tmp_path):
    s = fresh_schema(spark, "iq_stream")
    spark.sql(f"CREATE TABLE {s}.bronze (id INT) USING delta")
    spark.sql(f"INSERT INTO {s}.bronze VALUES (1), (2), (3)")
    checkpoint = tmp_path / "checkpoint"
    read = [_run_once(spark, s, checkpoint)]
    read.append(_run_once(spark, s, checkpoint))
    spark.sql(f"INSERT INTO {s}.bronze VALUES (4)")
    read.append(_run_once(spark, s, checkpoint))
    assert read == [3, 0, 1], read
    assert sorted(r.id for r in spark.table(f"{s}.silver").collect()) == [1, 2, 3, 4]
    spark.sql(f"DROP SCHEMA {s} CASCADE")
    return {"rows_read_per_run": read}


if __name__ == "__main__":
    run_standalone(run)
