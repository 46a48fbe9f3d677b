"""Every commit is a version: DESCRIBE HISTORY lists them, VERSION AS OF reads one, RESTORE rolls back.

Claim (guide Q11): a bad ``DELETE`` is undone with ``RESTORE TABLE ... TO VERSION AS OF``;
RESTORE is itself a new commit (history only grows).
Databricks: https://docs.databricks.com/aws/en/delta/history
"""

from _expect import fresh_schema, run_standalone


def run(spark, tmp_path):
    s = fresh_schema(spark, "iq_history")
    spark.sql(f"CREATE TABLE {s}.orders (id INT, amount DOUBLE) USING delta")
    spark.sql(f"INSERT INTO {s}.orders VALUES (1, 10.0), (2, 20.0), (3, 30.0)")
    spark.sql(f"DELETE FROM {s}.orders WHERE amount > 5")  # the mistake: everything is gone
    assert spark.table(f"{s}.orders").count() == 0
    assert spark.sql(f"SELECT count(*) AS n FROM {s}.orders VERSION AS OF 1").first().n == 3
    spark.sql(f"RESTORE TABLE {s}.orders TO VERSION AS OF 1")
    assert spark.table(f"{s}.orders").count() == 3
    ops = [r.operation for r in spark.sql(f"DESCRIBE HISTORY {s}.orders").orderBy("version").collect()]
    assert ops == ["CREATE TABLE", "WRITE", "DELETE", "RESTORE"], ops
    spark.sql(f"DROP SCHEMA {s} CASCADE")
    return {"operations": ops}


if __name__ == "__main__":
    run_standalone(run)
