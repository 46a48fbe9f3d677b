"""Data skipping works only on clustered data: Z-ORDER turns a lookup over every file into one over few.

Claim (guide, talking point 4 and Q37): Delta keeps min/max statistics per file; a filter skips
the files whose range cannot match. On rows in random order every file's range covers
everything, so a lookup of one customer reads all 8 files; after ``OPTIMIZE ... ZORDER BY
(customer_id)`` each file holds a narrow range and the same lookup reads 1 or 2 files.
(``spark.databricks.delta.optimize.maxFileSize`` is lowered here so that tiny data still makes
several files.)
Databricks: https://docs.databricks.com/aws/en/delta/data-skipping
"""

from _expect import fresh_schema, run_standalone

from lakehouse.perf import scan_metrics

MAX_FILE_SIZE = "spark.databricks.delta.optimize.maxFileSize"


def run(spark, tmp_path):
    s = fresh_schema(spark, "iq_zorder")
    (spark.range(0, 40_000).selectExpr("id % 4000 AS customer_id", "id AS tx_id", "rand(7) AS r")
     .orderBy("r").drop("r").repartition(8)
     .write.format("delta").saveAsTable(f"{s}.tx"))
    lookup = f"SELECT count(*) AS n FROM {s}.tx WHERE customer_id = 1234"
    before = scan_metrics(lookup, spark=spark)
    old = spark.conf.get(MAX_FILE_SIZE, None)
    spark.conf.set(MAX_FILE_SIZE, str(40 * 1024))
    try:
        spark.sql(f"OPTIMIZE {s}.tx ZORDER BY (customer_id)").collect()
    finally:
        spark.conf.unset(MAX_FILE_SIZE) if old is None else spark.conf.set(MAX_FILE_SIZE, old)
    after = scan_metrics(lookup, spark=spark)
    assert spark.sql(lookup).first().n == 10
    assert before.files_read == 8, before
    assert after.files_total >= 4 and after.files_read <= 2, after
    spark.sql(f"DROP SCHEMA {s} CASCADE")
    return {"files_read_before": before.files_read, "files_read_after": after.files_read,
            "files_after_zorder": after.files_total}


if __name__ == "__main__":
    run_standalone(run)
