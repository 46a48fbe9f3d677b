"""The quarantine pattern: every row lands either in Silver or in quarantine, with the rules it failed.

Claim (guide, talking point 3): rules are data (name, SQL condition, action); one evaluation
splits a batch into valid rows and quarantined rows carrying ``failed_rules``, so nothing is
silently lost (valid + quarantined = input) and a ``warn`` rule is reported without blocking.
In this course a rule whose condition is NULL fails (``amount > 0`` on a NULL amount). Locally
this is the course's ``lakehouse.quality.split``, the pattern of the Databricks page below.
Databricks: https://docs.databricks.com/aws/en/ldp/expectation-patterns
"""

from _expect import run_standalone

from lakehouse.quality import Rule, RuleSet, split


def run(spark, tmp_path):
    rules = RuleSet([Rule("has_id", "transaction_id IS NOT NULL"),
                     Rule("positive_amount", "amount > 0"),
                     Rule("known_currency", "currency IN ('USD', 'EUR', 'GBP')", "warn")])
    batch = spark.createDataFrame(
        [("t1", 10.0, "USD"), ("t2", -5.0, "EUR"), ("t3", None, "USD"), (None, 7.0, "JPY"), ("t5", 3.0, "JPY")],
        "transaction_id STRING, amount DOUBLE, currency STRING")
    result = split(batch, rules)
    valid = sorted(r.transaction_id for r in result.valid.collect())
    quarantined = {r.transaction_id: sorted(r.failed_rules) for r in result.quarantined.collect()}
    assert valid == ["t1", "t5"], valid                       # t5 only warns (JPY)
    assert quarantined == {"t2": ["positive_amount"], "t3": ["positive_amount"],
                           None: ["has_id", "known_currency"]}, quarantined
    assert len(valid) + len(quarantined) == batch.count()
    return {"valid": valid, "quarantined": quarantined}


if __name__ == "__main__":
    run_standalone(run)
