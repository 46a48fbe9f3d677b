"""Output modes meet sinks: Delta takes an aggregation in complete mode, a plain file sink only appends.

Claim (guide Q24): a streaming aggregation without a watermark can be written to a Delta table
in ``complete`` mode (each batch rewrites the whole result); the same query into a plain
Parquet file sink fails, since file sinks support only ``append``; and the Delta sink does not
take ``update`` mode (update an aggregate in Delta with ``foreachBatch`` + MERGE instead).
Databricks: https://docs.databricks.com/aws/en/structured-streaming/output-mode
"""

from _expect import expect_error, fresh_schema, run_standalone


def run(spark, tmp_path):
    s = fresh_schema(spark, "iq_output_modes")
    spark.createDataFrame([("EUR",), ("USD",), ("USD",)], "currency STRING").write.format("delta") \
        .saveAsTable(f"{s}.tx")
    counts = spark.readStream.table(f"{s}.tx").groupBy("currency").count()

    def start(fmt, mode, name):
        writer = (counts.writeStream.format(fmt).outputMode(mode).trigger(availableNow=True)
                  .option("checkpointLocation", str(tmp_path / f"chk_{name}")))
        query = writer.toTable(f"{s}.{name}") if fmt == "delta" else writer.start(str(tmp_path / name))
        query.awaitTermination(60)
        return query

    start("delta", "complete", "by_currency")
    result = {r.currency: r["count"] for r in spark.table(f"{s}.by_currency").collect()}
    assert result == {"EUR": 1, "USD": 2}, result
    file_sink = expect_error(lambda: start("parquet", "complete", "files"),
                             "does not support Complete output mode", "STREAMING_OUTPUT_MODE", "UNSUPPORTED")
    delta_update = expect_error(lambda: start("delta", "update", "by_currency_update"),
                                "does not support Update output mode", "DELTA_UNSUPPORTED_OUTPUT_MODE",
                                "STREAMING_OUTPUT_MODE")
    spark.sql(f"DROP SCHEMA {s} CASCADE")
    return {"delta_complete": result, "parquet_complete": file_sink, "delta_update": delta_update}


if __name__ == "__main__":
    run_standalone(run)
