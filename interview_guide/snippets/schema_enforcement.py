"""Delta enforces the schema on write; ``mergeSchema`` evolves it on purpose.

Claim (guide Q10): appending a DataFrame with an extra column fails with
``DELTA_METADATA_MISMATCH`` (the table is unchanged); with ``mergeSchema`` the column is added
and older rows read it as NULL.
Databricks: https://docs.databricks.com/aws/en/delta/update-schema
"""

from _expect import expect_error, fresh_schema, run_standalone


def run(spark, tmp_path):
    s = fresh_schema(spark, "iq_schema")
    spark.createDataFrame([(1, "a")], "id INT, name STRING").write.format("delta").saveAsTable(f"{s}.c")
    extra = spark.createDataFrame([(2, "b", "b@x")], "id INT, name STRING, email STRING")
    seen = expect_error(lambda: extra.write.format("delta").mode("append").saveAsTable(f"{s}.c"),
                        "DELTA_METADATA_MISMATCH", "_LEGACY_ERROR_TEMP_DELTA_0007", "schema mismatch")
    assert spark.table(f"{s}.c").columns == ["id", "name"]
    extra.write.format("delta").mode("append").option("mergeSchema", "true").saveAsTable(f"{s}.c")
    rows = sorted((r.id, r.email) for r in spark.table(f"{s}.c").collect())
    assert rows == [(1, None), (2, "b@x")]
    spark.sql(f"DROP SCHEMA {s} CASCADE")
    return {"error": seen, "rows": rows}


if __name__ == "__main__":
    run_standalone(run)
