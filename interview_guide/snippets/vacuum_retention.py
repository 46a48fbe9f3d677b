"""VACUUM refuses a retention under the 7-day default; old versions stay readable until VACUUM.

Claim (guide Q13): ``VACUUM t RETAIN 0 HOURS`` fails while
``spark.databricks.delta.retentionDurationCheck.enabled`` is true (the default); files a newer
version replaced stay on disk, so time travel to the old version works until a VACUUM past
the retention removes them.
Databricks: https://docs.databricks.com/aws/en/sql/language-manual/delta-vacuum
"""

from _expect import expect_error, fresh_schema, run_standalone


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
    spark.sql(f"DROP SCHEMA {s} CASCADE")
    return {"error": seen, "rows_at_version_1_after_vacuum": old}


if __name__ == "__main__":
    run_standalone(run)
