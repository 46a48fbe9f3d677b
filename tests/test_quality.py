"""lakehouse.quality: rules as data, the valid/quarantine split (NULL fails a rule), bad input."""

import pytest

from lakehouse.quality import QualityError, Rule, RuleSet, split


def test_split_quarantines_with_the_failed_rule_names(spark):
    rules = RuleSet([Rule("has_id", "id IS NOT NULL"), Rule("positive", "amount > 0"),
                     Rule("small", "amount < 100", "warn")])
    df = spark.createDataFrame([(1, 5.0), (2, -1.0), (None, None), (3, 500.0)], "id INT, amount DOUBLE")
    result = split(df, rules)
    assert result.valid.columns == df.columns
    assert sorted(r.id for r in result.valid.collect()) == [1, 3]  # a warn rule does not quarantine
    found = {r.id: r.failed_rules for r in result.quarantined.collect()}
    assert found == {2: ["positive"], None: ["has_id", "positive", "small"]}  # NULL fails every rule it touches


def test_bad_rules():
    with pytest.raises(QualityError) as info:
        Rule("x", "a > 0", "explode")
    assert info.value.code == "QUALITY_RULE_INVALID"
    with pytest.raises(QualityError):
        RuleSet([Rule("x", "a > 0"), Rule("x", "b > 0")])
    with pytest.raises(QualityError):
        RuleSet(["a > 0"])
