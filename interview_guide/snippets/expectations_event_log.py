"""Expectations: warn keeps, drop removes, and both are counted in the pipeline event log.

Claim (guide Q27): ``expect`` (warn) keeps failing rows, ``expect_or_drop`` removes them, and
the ``flow_progress`` event's ``details:flow_progress:data_quality`` holds ``dropped_records``
and per-expectation ``passed_records``/``failed_records``. The course counts a constraint that is
NULL as failed (the Databricks page says only that the constraint must evaluate to true or
false for each record). Locally the runner is the course's ``lakehouse.pipelines`` stand-in.
Databricks: https://docs.databricks.com/aws/en/ldp/expectations and
https://docs.databricks.com/aws/en/ldp/monitor-event-log-schema
"""

import json
import textwrap

from lakehouse import pipelines

from _expect import run_standalone

PIPELINE = '''
from pyspark import pipelines as dp

@dp.table
@dp.expect("has_email", "email IS NOT NULL")
@dp.expect_or_drop("positive_amount", "amount > 0")
def orders():
    return spark.read.format("json").schema("id INT, email STRING, amount DOUBLE").load({landing!r})
'''


def run(spark, tmp_path):
    landing = tmp_path / "landing"
    landing.mkdir()
    rows = [{"id": 1, "email": "a@x", "amount": 5.0}, {"id": 2, "email": None, "amount": 3.0},
            {"id": 3, "email": "c@x", "amount": -1.0}, {"id": 4, "email": "d@x", "amount": None}]
    (landing / "o.json").write_text("".join(json.dumps(r) + "\n" for r in rows))
    (tmp_path / "transformations").mkdir()
    (tmp_path / "transformations" / "orders.py").write_text(textwrap.dedent(PIPELINE.format(landing=str(landing))))
    spec = tmp_path / "spark-pipeline.yml"
    spec.write_text("name: iq_expect\nstorage: state\nschema: iq_expect\n"
                    "libraries:\n  - glob:\n      include: transformations/**\n")
    spark.sql("DROP SCHEMA IF EXISTS iq_expect CASCADE")
    update = pipelines.run(spec, spark=spark, quiet=True)
    assert update.state == "COMPLETED"
    kept = sorted(r.id for r in spark.table("iq_expect.orders").collect())
    assert kept == [1, 2], kept  # 2 fails only the warn rule: kept; 3 and 4 (NULL) dropped
    log = pipelines.event_log(spec, spark=spark).where("event_type = 'flow_progress'")
    quality = [json.loads(r.details)["flow_progress"].get("data_quality") for r in log.collect()]
    dq = next(q for q in quality if q)
    counts = {e["name"]: (e["passed_records"], e["failed_records"]) for e in dq["expectations"]}
    assert dq["dropped_records"] == 2 and counts == {"has_email": (3, 1), "positive_amount": (2, 2)}, dq
    spark.sql("DROP SCHEMA iq_expect CASCADE")
    return {"dropped_records": dq["dropped_records"], "expectations": counts}


if __name__ == "__main__":
    run_standalone(run)
