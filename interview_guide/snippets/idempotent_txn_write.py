"""Delta skips a write whose ``txnAppId``/``txnVersion`` it has already committed.

Claim (guide Q22): a ``foreachBatch`` replayed after a crash writes the same batch again; with the
Delta writer options ``txnAppId`` (stable per query) and ``txnVersion`` (the batch id) the
second write of the same version is skipped, so the table holds the batch once; a new version
is written.
Databricks: https://docs.databricks.com/aws/en/structured-streaming/foreach
"""

from _expect import fresh_schema, run_standalone


def _write(df, table, version):
    (df.write.format("delta").mode("append").option("txnAppId", "iq_silver_tx")
     .option("txnVersion", version).saveAsTable(table))


def run(spark, tmp_path):
    s = fresh_schema(spark, "iq_txn")
    batch = spark.createDataFrame([(1, 10.0), (2, 20.0)], "id INT, amount DOUBLE")
    _write(batch, f"{s}.tx", 7)
    _write(batch, f"{s}.tx", 7)  # the replay of batch 7: skipped
    after_replay = spark.table(f"{s}.tx").count()
    _write(batch.limit(1), f"{s}.tx", 8)
    total = spark.table(f"{s}.tx").count()
    assert (after_replay, total) == (2, 3), (after_replay, total)
    spark.sql(f"DROP SCHEMA {s} CASCADE")
    return {"rows_after_replay": after_replay, "rows_after_next_batch": total}


if __name__ == "__main__":
    run_standalone(run)
