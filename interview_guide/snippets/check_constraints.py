"""CHECK and NOT NULL constraints reject the whole write; the table keeps its version.

Claim (guide Q12): an INSERT with one row violating a CHECK constraint fails with
``DELTA_VIOLATE_CONSTRAINT_WITH_VALUES`` and commits none of its rows (a write is atomic).
Databricks: https://docs.databricks.com/aws/en/tables/constraints
"""

from _expect import expect_error, fresh_schema, run_standalone


def run(spark, tmp_path):
    s = fresh_schema(spark, "iq_constraints")
    spark.sql(f"CREATE TABLE {s}.tx (id INT NOT NULL, amount DOUBLE) USING delta")
    spark.sql(f"ALTER TABLE {s}.tx ADD CONSTRAINT positive_amount CHECK (amount > 0)")
    spark.sql(f"INSERT INTO {s}.tx VALUES (1, 5.0)")
    before = spark.sql(f"DESCRIBE HISTORY {s}.tx").count()
    seen = expect_error(lambda: spark.sql(f"INSERT INTO {s}.tx VALUES (2, 7.0), (3, -1.0)").collect(),
                        "DELTA_VIOLATE_CONSTRAINT_WITH_VALUES")
    null_id = expect_error(lambda: spark.sql(f"INSERT INTO {s}.tx VALUES (NULL, 1.0)").collect(),
                           "DELTA_NOT_NULL_CONSTRAINT_VIOLATED")
    assert spark.table(f"{s}.tx").count() == 1 and spark.sql(f"DESCRIBE HISTORY {s}.tx").count() == before
    spark.sql(f"DROP SCHEMA {s} CASCADE")
    return {"check": seen, "not_null": null_id}


if __name__ == "__main__":
    run_standalone(run)
