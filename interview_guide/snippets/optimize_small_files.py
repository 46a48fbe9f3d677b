"""OPTIMIZE compacts small files into one commit; old files stay for time travel until VACUUM.

Claim (guide Q35): three small appends make three files; ``OPTIMIZE`` rewrites them into one
(``numFilesRemoved`` 3, ``numFilesAdded`` 1) without changing the data; a liquid-clustered
table (``CLUSTER BY``) records its clustering columns in ``DESCRIBE DETAIL``.
Databricks: https://docs.databricks.com/aws/en/delta/optimize and
https://docs.databricks.com/aws/en/delta/clustering
"""

from _expect import fresh_schema, run_standalone


def run(spark, tmp_path):
    s = fresh_schema(spark, "iq_optimize")
    spark.sql(f"CREATE TABLE {s}.clicks (id INT, page STRING) USING delta")
    for i in range(3):
        spark.sql(f"INSERT INTO {s}.clicks VALUES ({i}, 'p{i}')")
    before = spark.sql(f"DESCRIBE DETAIL {s}.clicks").first().numFiles
    metrics = spark.sql(f"OPTIMIZE {s}.clicks").first().metrics
    after = spark.sql(f"DESCRIBE DETAIL {s}.clicks").first().numFiles
    assert (before, after) == (3, 1) and (metrics.numFilesRemoved, metrics.numFilesAdded) == (3, 1)
    assert spark.sql(f"SELECT count(*) AS n FROM {s}.clicks VERSION AS OF 3").first().n == 3
    spark.sql(f"CREATE TABLE {s}.events (customer_id INT, ts TIMESTAMP) USING delta CLUSTER BY (customer_id)")
    clustering = spark.sql(f"DESCRIBE DETAIL {s}.events").first().clusteringColumns
    assert list(clustering) == ["customer_id"], clustering
    spark.sql(f"DROP SCHEMA {s} CASCADE")
    return {"files_before": before, "files_after": after, "clustering": list(clustering)}


if __name__ == "__main__":
    run_standalone(run)
