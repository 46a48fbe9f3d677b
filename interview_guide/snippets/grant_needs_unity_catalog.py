"""Open-source Spark has no GRANT on its session catalog: access control is a Unity Catalog feature.

Claim (guide Q43, a local difference): ``GRANT SELECT ON TABLE ...`` does not even parse in
open-source Spark 4.2 with Delta (``INVALID_STATEMENT_OR_CLAUSE``: no access control), so the course emulates Unity Catalog's grants, row filters
and masks in ``lakehouse.governance`` (lab 10); on Databricks the same statement is enforced by
Unity Catalog. The guide's governance answers describe Databricks behaviour.
Databricks: https://docs.databricks.com/data-governance/unity-catalog/access-control/privileges-reference
"""

from _expect import expect_error, fresh_schema, run_standalone


def run(spark, tmp_path):
    s = fresh_schema(spark, "iq_grant")
    spark.sql(f"CREATE TABLE {s}.customers (id INT) USING delta")
    seen = expect_error(lambda: spark.sql(f"GRANT SELECT ON TABLE {s}.customers TO `analysts`").collect(),
                        "INVALID_STATEMENT_OR_CLAUSE")
    spark.sql(f"DROP SCHEMA {s} CASCADE")
    return {"error": seen}


if __name__ == "__main__":
    run_standalone(run)
