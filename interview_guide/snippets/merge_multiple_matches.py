"""MERGE fails when several source rows match one target row; dedup the source first.

Claim (guide Q9): a MERGE whose ``WHEN MATCHED ... UPDATE`` meets two source rows for one target
row fails with ``DELTA_MULTIPLE_SOURCE_ROW_MATCHING_TARGET_ROW_IN_MERGE`` and changes nothing;
keeping the latest source row per key (``row_number``) fixes it.
Databricks: https://docs.databricks.com/sql/language-manual/delta-merge-into.html
"""

from _expect import expect_error, fresh_schema, run_standalone


def run(spark, tmp_path):
    s = fresh_schema(spark, "iq_merge")
    spark.sql(f"CREATE TABLE {s}.customers (id INT, email STRING) USING delta")
    spark.sql(f"INSERT INTO {s}.customers VALUES (1, 'old@x'), (2, 'two@x')")
    spark.sql(f"""CREATE OR REPLACE TEMP VIEW iq_updates AS SELECT * FROM VALUES
                  (1, 'a@x', 1), (1, 'b@x', 2) AS u(id, email, seq)""")
    naive = (f"MERGE INTO {s}.customers t USING iq_updates u ON t.id = u.id "
             "WHEN MATCHED THEN UPDATE SET t.email = u.email")
    seen = expect_error(lambda: spark.sql(naive).collect(),
                        "DELTA_MULTIPLE_SOURCE_ROW_MATCHING_TARGET_ROW_IN_MERGE")
    versions = spark.sql(f"DESCRIBE HISTORY {s}.customers").count()
    assert versions == 2, "the failed MERGE committed nothing (CREATE + INSERT only)"

    spark.sql(f"""MERGE INTO {s}.customers t
                  USING (SELECT id, email FROM (SELECT *, row_number() OVER
                         (PARTITION BY id ORDER BY seq DESC) AS rn FROM iq_updates) WHERE rn = 1) u
                  ON t.id = u.id WHEN MATCHED THEN UPDATE SET t.email = u.email""")
    assert spark.sql(f"SELECT email FROM {s}.customers WHERE id = 1").first().email == "b@x"

    spark.sql(f"DROP SCHEMA {s} CASCADE")
    return {"error": seen}


if __name__ == "__main__":
    run_standalone(run)
