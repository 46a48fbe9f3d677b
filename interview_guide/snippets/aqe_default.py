"""Adaptive Query Execution is on by default and turns a join with a small side into a broadcast.

Claim (guide Q38): ``spark.sql.adaptive.enabled`` defaults to true (Spark 3.2+, all current
Databricks runtimes); the executed plan is an ``AdaptiveSparkPlan`` and a join with a tiny
dimension runs as a ``BroadcastHashJoin``.
Databricks: https://docs.databricks.com/aws/en/optimizations/aqe
"""

from _expect import run_standalone


def run(spark, tmp_path):
    enabled = spark.conf.get("spark.sql.adaptive.enabled")
    facts = spark.range(100_000).withColumnRenamed("id", "customer_id")
    dim = spark.createDataFrame([(i, f"tier{i % 3}") for i in range(10)], "customer_id LONG, tier STRING")
    joined = facts.join(dim, "customer_id")
    assert joined.count() == 10
    plan = joined._explain_string(mode="formatted") if hasattr(joined, "_explain_string") else None
    if plan is None:
        import contextlib
        import io
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            joined.explain(mode="formatted")
        plan = buf.getvalue()
    assert enabled == "true" and "AdaptiveSparkPlan" in plan and "BroadcastHashJoin" in plan, plan[:500]
    return {"adaptive": enabled, "broadcast": True}


if __name__ == "__main__":
    run_standalone(run)
