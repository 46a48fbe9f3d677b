"""Data quality as data: rules (YAML too), the valid/quarantine split, quality metrics over time.

A :class:`Rule` is a name, a check (SQL boolean expression, or a function returning a Column),
an action (``warn``, ``drop``, ``fail``: Databricks' ``expect`` / ``expect_or_drop`` /
``expect_or_fail``; ``drop`` when not given), a description and optional metadata: the same type
the pipeline decorators record for an expectation (:mod:`.rules`). A :class:`RuleSet` is declared
once (in Python, or in a YAML file: :func:`rules_from_yaml`) and used twice: in pipeline files
(``@dp.expect_all_or_drop(rules.as_dict("drop"))``) and in plain Spark code (:func:`split`, the
quarantine pattern of https://docs.databricks.com/aws/en/ldp/expectation-patterns). A row passes a
rule only when its check is TRUE (NULL fails), as in :mod:`lakehouse.pipelines.expectations`.

Modules: :mod:`.rules` (``Rule``, ``RuleSet``, ``passes``), :mod:`.rule_files` (YAML),
:mod:`.split` (quarantine), :mod:`.metrics` (event log metrics and their chart).

Example:
    >>> rules = RuleSet([Rule("has_id", "id IS NOT NULL"), Rule("positive", "amount > 0", "warn")])
    >>> rules.as_dict("drop"), rules.names
    ({'has_id': 'id IS NOT NULL'}, ('has_id', 'positive'))
"""

from __future__ import annotations

from .metrics import expectation_metrics, plot_metrics
from .rule_files import rules_from_yaml, rules_to_yaml
from .rules import ACTIONS, QualityError, Rule, RuleSet, passes
from .split import QualitySplit, split

__all__ = ["ACTIONS", "QualityError", "QualitySplit", "Rule", "RuleSet", "expectation_metrics", "passes",
           "plot_metrics", "rules_from_yaml", "rules_to_yaml", "split"]
