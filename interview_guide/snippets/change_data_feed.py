"""Change Data Feed records row-level changes with ``_change_type`` pre/post images.

Claim (guide Q14): with ``delta.enableChangeDataFeed`` an UPDATE produces an
``update_preimage`` and an ``update_postimage`` row, a DELETE a ``delete`` row, readable with
``table_changes`` from a version on; ``_commit_version`` says which commit.
Databricks: https://docs.databricks.com/aws/en/delta/delta-change-data-feed
"""

from _expect import fresh_schema, run_standalone


def run(spark, tmp_path):
    s = fresh_schema(spark, "iq_cdf")
    spark.sql(f"CREATE TABLE {s}.tickets (id INT, status STRING) USING delta "
              "TBLPROPERTIES (delta.enableChangeDataFeed = true)")
    spark.sql(f"INSERT INTO {s}.tickets VALUES (1, 'open'), (2, 'open')")
    spark.sql(f"UPDATE {s}.tickets SET status = 'closed' WHERE id = 1")
    spark.sql(f"DELETE FROM {s}.tickets WHERE id = 2")
    changes = spark.sql(f"SELECT id, status, _change_type, _commit_version FROM table_changes('{s}.tickets', 2)")
    got = sorted((r.id, r.status, r._change_type, r._commit_version) for r in changes.collect())
    assert got == [(1, "closed", "update_postimage", 2), (1, "open", "update_preimage", 2),
                   (2, "open", "delete", 3)], got
    spark.sql(f"DROP SCHEMA {s} CASCADE")
    return {"changes": got}


if __name__ == "__main__":
    run_standalone(run)
