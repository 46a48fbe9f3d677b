"""The same three operations on a plain Parquet table and on a Delta table.

Claim (guide, talking point 1): a folder of Parquet files accepts an append with a column the
others lack (nothing checks it: the folder now holds files of two schemas), and has no MERGE
and no time travel; the Delta table refuses that append (schema enforcement), runs the MERGE, reads an old
version, and lists every operation in ``DESCRIBE HISTORY``.
Databricks: https://docs.databricks.com/aws/en/delta/
"""

import os

from _expect import expect_error, fresh_schema, run_standalone


def run(spark, tmp_path):
    s = fresh_schema(spark, "iq_parquet_delta")
    rows = spark.createDataFrame([(1, "bronze")], "id INT, tier STRING")
    bad = spark.createDataFrame([(2, "gold", "b@x.example")], "id INT, tier STRING, email STRING")
    update = spark.createDataFrame([(1, "gold")], "id INT, tier STRING")
    update.createOrReplaceTempView("iq_tier_update")
    merge = "MERGE INTO {t} t USING iq_tier_update u ON t.id = u.id WHEN MATCHED THEN UPDATE SET t.tier = u.tier"

    # Plain Parquet (a folder of files): the wrong-typed append lands, MERGE and time travel do not exist.
    folder = str(tmp_path / "parquet_tiers")
    rows.write.parquet(folder)
    bad.write.mode("append").parquet(folder)          # no error: nothing checks it
    parts = sorted(f for f in os.listdir(folder) if f.endswith(".parquet"))
    schemas = sorted({",".join(spark.read.parquet(os.path.join(folder, f)).columns) for f in parts})
    assert schemas == ["id,tier", "id,tier,email"], schemas   # two schemas in one "table"
    parquet_merge = expect_error(lambda: spark.sql(merge.format(t=f"parquet.`{folder}`")).collect(),
                                 "UNSUPPORTED_FEATURE", "MERGE_INTO", "not supported", "DELTA_MISSING_DELTA_TABLE")
    parquet_travel = expect_error(lambda: spark.sql(f"SELECT * FROM parquet.`{folder}` VERSION AS OF 0").collect(),
                                  "UNSUPPORTED_FEATURE", "TIME_TRAVEL", "does not support time travel")

    # Delta: the append is refused, MERGE commits a version, version 0 still reads, history lists it all.
    rows.write.format("delta").saveAsTable(f"{s}.d")
    delta_append = expect_error(lambda: bad.write.format("delta").mode("append").saveAsTable(f"{s}.d"),
                                "DELTA_METADATA_MISMATCH", "_LEGACY_ERROR_TEMP_DELTA_0007", "schema mismatch")
    assert spark.table(f"{s}.d").columns == ["id", "tier"]
    spark.sql(merge.format(t=f"{s}.d"))
    now = spark.table(f"{s}.d").first().tier
    before = spark.sql(f"SELECT tier FROM {s}.d VERSION AS OF 0").first().tier
    history = [r.operation for r in spark.sql(f"DESCRIBE HISTORY {s}.d").orderBy("version").collect()]
    assert (now, before) == ("gold", "bronze")
    assert history[0].startswith("CREATE") and history[-1] == "MERGE", history
    spark.catalog.dropTempView("iq_tier_update")
    spark.sql(f"DROP SCHEMA {s} CASCADE")
    return {"parquet_schemas": schemas, "parquet_merge": parquet_merge,
            "parquet_time_travel": parquet_travel, "delta_bad_append": delta_append,
            "delta_history": history}


if __name__ == "__main__":
    run_standalone(run)
