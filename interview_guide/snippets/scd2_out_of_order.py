"""AUTO CDC SCD type 2 orders changes by ``sequence_by``, so a late change lands in the right place.

Claim (guide Q8): with ``stored_as_scd_type=2``, each version gets ``__START_AT``/``__END_AT``
from the sequence column and the current row has ``__END_AT`` NULL; an update that arrives in
a later batch but carries an older sequence becomes a closed historical version instead of
overwriting the current row. Locally ``lakehouse.cdc.apply_changes`` (the AUTO CDC stand-in).
Databricks: https://docs.databricks.com/aws/en/ldp/cdc
"""

from lakehouse.cdc import apply_changes

from _expect import fresh_schema, run_standalone


def run(spark, tmp_path):
    s = fresh_schema(spark, "iq_scd2")
    schema = "id INT, city STRING, seq INT, op STRING"
    first = spark.createDataFrame([(1, "Paris", 1, "UPSERT"), (1, "Lyon", 3, "UPSERT")], schema)
    late = spark.createDataFrame([(1, "Nice", 2, "UPSERT")], schema)  # arrives last, happened second
    kw = dict(keys=["id"], sequence_by="seq", apply_as_deletes="op = 'DELETE'",
              except_column_list=["op", "seq"], stored_as_scd_type=2)
    apply_changes(f"{s}.customers", first, **kw)
    apply_changes(f"{s}.customers", late, **kw)
    history = [(r["city"], r["__START_AT"], r["__END_AT"]) for r in
               spark.table(f"{s}.customers").orderBy("__START_AT").collect()]
    assert history == [("Paris", 1, 2), ("Nice", 2, 3), ("Lyon", 3, None)], history
    spark.sql(f"DROP SCHEMA {s} CASCADE")
    return {"history": history}


if __name__ == "__main__":
    run_standalone(run)
