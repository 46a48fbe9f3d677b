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


# --- one rule type, as data (issue 28) -------------------------------------------------------------------
def test_rules_round_trip_through_dicts_yaml_and_json():
    import json

    from lakehouse.c360.rules import TRANSACTIONS
    from lakehouse.quality import rules_from_yaml, rules_to_yaml

    assert RuleSet.from_list(TRANSACTIONS.to_list()) == TRANSACTIONS
    assert rules_from_yaml(rules_to_yaml(TRANSACTIONS)) == TRANSACTIONS
    assert rules_from_yaml(json.dumps(TRANSACTIONS.to_list())) == TRANSACTIONS  # JSON is YAML
    rule = Rule("positive", "amount > 0", "warn", "no refunds here", {"owner": "finance", "severity": 2})
    assert Rule.from_dict(rule.to_dict()) == rule
    assert rule.to_dict() == {"name": "positive", "expression": "amount > 0", "action": "warn",
                              "description": "no refunds here", "metadata": {"owner": "finance", "severity": 2}}
    assert Rule("x", "a > 0").to_dict() == {"name": "x", "expression": "a > 0", "action": "drop"}  # no empty fields


def test_a_bad_rule_dict_names_the_field_and_a_bad_file_the_line():
    from lakehouse.quality import rules_from_yaml

    cases = {"unknown field 'criticality'": {"name": "x", "expression": "a > 0", "criticality": "error"},
             "missing field 'expression'": {"name": "x"},
             "missing field 'name'": {"expression": "a > 0"},
             "field 'expression' must be a string": {"name": "x", "expression": 3},
             "action must be one of warn, drop, fail, got 'explode'": {"name": "x", "expression": "a", "action": "explode"},
             "field 'metadata' must be a mapping": {"name": "x", "expression": "a", "metadata": ["owner"]},
             "field 'metadata' holds 'owner': dict": {"name": "x", "expression": "a", "metadata": {"owner": {}}}}
    for expected, data in cases.items():
        with pytest.raises(QualityError) as info:
            Rule.from_dict(data)
        assert expected in str(info.value), (expected, str(info.value))
        assert info.value.code == "QUALITY_RULE_INVALID"
    text = "- name: has_id\n  expression: id IS NOT NULL\n- name: positive\n  expresion: amount > 0\n"
    with pytest.raises(QualityError) as info:
        rules_from_yaml(text, source="rules.yml")
    assert "rules.yml, line 3: rule 'positive': unknown field 'expresion'" in str(info.value)
    with pytest.raises(QualityError) as info:
        rules_from_yaml("- name: x\n  expression: [a\n", source="rules.yml")
    assert "rules.yml, line 3: not valid YAML" in str(info.value)
    for text, expected in [("name: x\nexpression: a > 0\n", "a YAML list of rules, got dict"),
                           ("", "a YAML list of rules, got nothing"),
                           ("- {name: x, expression: a}\n- {name: x, expression: b}\n", "repeated: x")]:
        with pytest.raises(QualityError) as info:
            rules_from_yaml(text)
        assert expected in str(info.value)
    with pytest.raises(QualityError) as info:
        RuleSet.from_list([{"name": "a", "expression": "x"}, "b > 0"])
    assert "rule #2: a rule is a mapping" in str(info.value)


def test_a_python_check_runs_in_split_but_does_not_serialise(spark):
    from pyspark.sql import functions as F

    df = spark.createDataFrame([(1, 5.0), (2, 500.0), (3, None)], "id INT, amount DOUBLE")
    as_sql = split(df, [Rule("small", "amount < 100")])
    as_python = split(df, [Rule("small", lambda: F.col("amount") < 100)])
    for part in ("valid", "quarantined"):
        assert sorted(getattr(as_sql, part).collect()) == sorted(getattr(as_python, part).collect())
    assert sorted(r.id for r in as_python.quarantined.collect()) == [2, 3]  # NULL fails a Python check too
    with pytest.raises(QualityError) as info:
        Rule("small", lambda: F.col("amount") < 100).to_dict()
    assert "Python function" in str(info.value)
    with pytest.raises(QualityError) as info:
        split(df, [Rule("bad", lambda: 42)])
    assert "rule 'bad': its check function returned int, not a Column" in str(info.value)


def test_each_front_end_keeps_its_documented_default_action():
    """``Rule`` and ``from_dict`` default to drop (lakehouse.quality, unchanged); the Databricks
    decorators record the same Rule type with their own action (``expect`` is warn:
    https://docs.databricks.com/aws/en/ldp/expectations)."""
    from lakehouse.pipelines.api import expect, expect_all, expect_or_drop, expect_or_fail, registering, table
    from lakehouse.pipelines.errors import PipelineDefinitionError

    assert Rule("x", "a > 0").action == "drop"
    assert Rule.from_dict({"name": "x", "expression": "a > 0"}).action == "drop"
    with registering() as reg:
        @table
        @expect("w", "a > 0")
        @expect_or_drop("d", "b > 0")
        @expect_or_fail("f", "c > 0")
        @expect_all({"w2": "d > 0"})
        def t():
            return None
    assert reg.datasets["t"].expectations == (Rule("w", "a > 0", "warn"), Rule("d", "b > 0", "drop"),
                                              Rule("f", "c > 0", "fail"), Rule("w2", "d > 0", "warn"))
    with pytest.raises(PipelineDefinitionError) as info:  # a Databricks constraint is SQL, never a function
        expect("small", lambda: None)
    assert "expectation 'small': the check must be a SQL boolean expression (str), got function" in str(info.value)
