"""A late, older change must not overwrite a newer one: guard the MERGE with the sequence.

Claim (guide, talking point 2): a Silver upsert applies changes by key in the source's
sequence, not in arrival order. With ``WHEN MATCHED AND s.seq > t.seq THEN UPDATE`` a change
that arrives late but carries an older sequence leaves the newer value in place (and a new key
is still inserted); a MERGE without the guard lets the late change overwrite it.
Databricks: https://docs.databricks.com/aws/en/delta/merge
"""

from _expect import fresh_schema, run_standalone

GUARDED = ("MERGE INTO {t} t USING iq_late s ON t.id = s.id "
           "WHEN MATCHED AND s.seq > t.seq THEN UPDATE SET * WHEN NOT MATCHED THEN INSERT *")
UNGUARDED = ("MERGE INTO {t} t USING iq_late s ON t.id = s.id "
             "WHEN MATCHED THEN UPDATE SET * WHEN NOT MATCHED THEN INSERT *")


def run(spark, tmp_path):
    s = fresh_schema(spark, "iq_late_merge")
    current = spark.createDataFrame([(1, 2, "gold")], "id INT, seq INT, tier STRING")
    # Arrives after seq 2 was applied: an older change of customer 1, and a new customer 2.
    spark.createDataFrame([(1, 1, "silver"), (2, 1, "bronze")], "id INT, seq INT, tier STRING") \
        .createOrReplaceTempView("iq_late")
    seen = {}
    for name, statement in (("guarded", GUARDED), ("unguarded", UNGUARDED)):
        current.write.format("delta").saveAsTable(f"{s}.{name}")
        spark.sql(statement.format(t=f"{s}.{name}"))
        seen[name] = {r.id: r.tier for r in spark.table(f"{s}.{name}").collect()}
    assert seen["guarded"] == {1: "gold", 2: "bronze"}, seen
    assert seen["unguarded"] == {1: "silver", 2: "bronze"}, seen   # the late change won: wrong
    spark.catalog.dropTempView("iq_late")
    spark.sql(f"DROP SCHEMA {s} CASCADE")
    return seen


if __name__ == "__main__":
    run_standalone(run)
