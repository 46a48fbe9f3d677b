"""One rule type for a data quality rule and a pipeline expectation, as data that serialises.

A :class:`Rule` is a name, a check (a SQL boolean expression, or a function returning a
boolean Column), an action and optional description and metadata. The action is what happens to
a row that does not satisfy the check, with Databricks' three expectation actions
(https://docs.databricks.com/aws/en/ldp/expectations, "Action on invalid record"): ``warn``
keeps the row (``@dp.expect``), ``drop`` drops it (``@dp.expect_or_drop``), ``fail`` stops the
update (``@dp.expect_or_fail``). The pipeline decorators record ``Rule`` objects with the action
their name says; a ``Rule`` made directly (``lakehouse.quality``) defaults to ``drop``, the rule
that keeps bad rows out of the valid table (the quarantine pattern of
https://docs.databricks.com/aws/en/ldp/expectation-patterns).

A rule with a SQL check is data: :meth:`Rule.to_dict` / :meth:`Rule.from_dict` (and
:meth:`RuleSet.to_list` / :meth:`RuleSet.from_list`) give the plain form a YAML or JSON rule file
holds, as Databricks Labs DQX keeps its checks
(https://databrickslabs.github.io/dqx/docs/guide/quality_checks_definition/). A row passes a
rule only when its check is TRUE: a NULL result fails (``coalesce(check, false)``).

Example:
    >>> rule = Rule("positive", "amount > 0", "warn", metadata={"owner": "finance"})
    >>> rule.to_dict()
    {'name': 'positive', 'expression': 'amount > 0', 'action': 'warn', 'metadata': {'owner': 'finance'}}
    >>> Rule.from_dict(rule.to_dict()) == rule
    True
    >>> RuleSet([Rule("has_id", "id IS NOT NULL"), rule]).as_dict("drop")
    {'has_id': 'id IS NOT NULL'}
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Callable

from ..errors import LakehouseError

ACTIONS = ("warn", "drop", "fail")  # Databricks: expect / expect_or_drop / expect_or_fail
FIELDS = ("name", "expression", "action", "description", "metadata")  # the dict (YAML, JSON) form
_SCALARS = (str, int, float, bool, type(None))


class QualityError(LakehouseError):
    """A bad rule, rule set or rule file (the message names the rule and the field)."""

    code = "QUALITY_RULE_INVALID"


def rule_problem(name, expression, action, *, noun: str = "rule", sql_only: bool = False) -> str | None:
    """What is wrong with a rule's ``name``, ``expression`` and ``action``, or None.

    Each front end raises its own error with this text (:class:`QualityError` here, the pipeline
    decorators a ``PipelineDefinitionError`` with ``noun="expectation"`` and ``sql_only=True``:
    a Databricks constraint is SQL and cannot call a Python function).

    Example:
        >>> rule_problem("x", "a > 0", "explode")
        "rule 'x': action must be one of warn, drop, fail, got 'explode'."
        >>> rule_problem("x", "a > 0", "warn") is None
        True
    """
    if not isinstance(name, str) or not name.strip():
        return f"a {noun} needs a name (a non-empty str), got {name!r}."
    sql = isinstance(expression, str) and expression.strip()
    if not sql and (sql_only or not callable(expression)):
        python = "" if sql_only else " or a function returning a boolean Column"
        return (f"{noun} {name!r}: the check must be a SQL boolean expression (str){python}, "
                f"got {type(expression).__name__}.")
    if action not in ACTIONS:
        return f"{noun} {name!r}: action must be one of {', '.join(ACTIONS)}, got {action!r}."
    return None


@dataclass(frozen=True)
class Rule:
    """One rule: ``name``, ``expression`` (TRUE = good row), ``action``, ``description``, ``metadata``.

    Args:
        name: unique within a rule set (Databricks: unique per dataset).
        expression: a SQL boolean expression (``str``), or a function of no argument returning a
            boolean ``Column`` (a Python check: it runs, but does not serialise and is refused by
            the pipeline decorators, whose constraints are SQL).
        action: ``warn``, ``drop`` (the default here) or ``fail``.
        description: what a good row looks like, for people.
        metadata: optional ``{key: scalar}`` pairs kept with the rule (owner, category ...).

    Raises:
        QualityError: a missing name, a check that is neither SQL nor a function, an unknown action,
            metadata that is not a mapping of scalars.

    Example:
        >>> Rule("has_id", "id IS NOT NULL").action
        'drop'
    """

    name: str
    expression: str | Callable[[], Any]
    action: str = "drop"
    description: str = ""
    metadata: Mapping = field(default_factory=dict, hash=False)

    def __post_init__(self):
        problem = rule_problem(self.name, self.expression, self.action)
        if problem is None and not isinstance(self.description, str):
            problem = f"rule {self.name!r}: description must be a str, got {type(self.description).__name__}."
        if problem is None:
            problem = _metadata_problem(self.name, self.metadata)
        if problem:
            raise QualityError(problem)
        object.__setattr__(self, "metadata", dict(self.metadata))

    @property
    def constraint(self):
        """The check under Databricks' expectation word (``dp.expect(name, constraint)``)."""
        return self.expression

    @property
    def is_sql(self) -> bool:
        """True when the check is a SQL expression (it serialises and works in a pipeline)."""
        return isinstance(self.expression, str)

    def passes(self):
        """A boolean Column: TRUE when a row satisfies the rule (a NULL result fails)."""
        if self.is_sql:
            return passes(self.expression)
        column = self.expression()
        try:
            return passes(column)
        except QualityError:
            raise QualityError(f"rule {self.name!r}: its check function returned {type(column).__name__}, "
                               "not a Column.", fix="return a boolean Column, e.g. F.col('amount') > 0.") from None

    def to_dict(self) -> dict:
        """The rule as plain data (``name``, ``expression``, ``action``; ``description`` and
        ``metadata`` when set), for YAML or JSON.

        Raises:
            QualityError: the check is a Python function (only SQL serialises).
        """
        if not self.is_sql:
            raise QualityError(f"rule {self.name!r} checks with a Python function, which cannot be written "
                               "as data.", fix="write its check as a SQL boolean expression (str).")
        data = {"name": self.name, "expression": self.expression, "action": self.action}
        if self.description:
            data["description"] = self.description
        if self.metadata:
            data["metadata"] = dict(self.metadata)
        return data

    @classmethod
    def from_dict(cls, data) -> Rule:
        """A rule from its plain form (:meth:`to_dict`); ``action`` defaults to ``drop``.

        Raises:
            QualityError: not a mapping, an unknown or missing field, a field of the wrong type
                (the message names the field).

        Example:
            >>> Rule.from_dict({"name": "x", "expresion": "a > 0"})
            Traceback (most recent call last):
            ...
            lakehouse.quality.rules.QualityError: [QUALITY_RULE_INVALID] rule 'x': unknown field 'expresion'.
              Fix: the fields of a rule are name, expression, action, description, metadata.
        """
        if not isinstance(data, Mapping):
            raise QualityError(f"a rule is a mapping of {', '.join(FIELDS)}; got {type(data).__name__}.")
        label = f"rule {data['name']!r}" if isinstance(data.get("name"), str) else "a rule"
        unknown = [k for k in data if k not in FIELDS]
        if unknown:
            raise QualityError(f"{label}: unknown field {unknown[0]!r}.",
                               fix=f"the fields of a rule are {', '.join(FIELDS)}.")
        for key in ("name", "expression"):
            if key not in data:
                raise QualityError(f"{label}: missing field {key!r}.", fix=f"add {key}: ... to the rule.")
            if not isinstance(data[key], str):
                raise QualityError(f"{label}: field {key!r} must be a string, got {type(data[key]).__name__}.")
        return cls(data["name"], data["expression"], data.get("action", "drop"), data.get("description") or "",
                   data.get("metadata") or {})


def _metadata_problem(name, metadata) -> str | None:
    if not isinstance(metadata, Mapping):
        return f"rule {name!r}: field 'metadata' must be a mapping, got {type(metadata).__name__}."
    for key, value in metadata.items():
        if not isinstance(key, str) or not isinstance(value, _SCALARS):
            return (f"rule {name!r}: field 'metadata' holds {key!r}: {type(value).__name__}; keys are strings and "
                    "values strings, numbers, booleans or null.")
    return None


@dataclass(frozen=True)
class RuleSet:
    """An ordered, named collection of rules (names are unique).

    Example:
        >>> rules = RuleSet.from_list([{"name": "has_id", "expression": "id IS NOT NULL"}])
        >>> rules.names, rules.to_list() == [r.to_dict() for r in rules]
        (('has_id',), True)
    """

    rules: tuple

    def __init__(self, rules):
        rules = tuple(rules)
        for r in rules:
            if not isinstance(r, Rule):
                raise QualityError(f"a RuleSet holds Rule objects, found {type(r).__name__}.")
        names = [r.name for r in rules]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise QualityError(f"rule names must be unique in a rule set; repeated: {', '.join(dup)}.")
        object.__setattr__(self, "rules", rules)

    @property
    def names(self) -> tuple:
        return tuple(r.name for r in self.rules)

    def as_dict(self, action: str | None = None) -> dict:
        """``{name: expression}`` of the rules (of one ``action`` if given), for ``dp.expect_all*``."""
        if action is not None and action not in ACTIONS:
            raise QualityError(f"action must be one of {', '.join(ACTIONS)}, got {action!r}.")
        return {r.name: r.expression for r in self.rules if action is None or r.action == action}

    def to_list(self) -> list:
        """The rules in their plain form (:meth:`Rule.to_dict`), in order."""
        return [r.to_dict() for r in self.rules]

    @classmethod
    def from_list(cls, items) -> RuleSet:
        """A rule set from a list of plain rules (:meth:`Rule.from_dict`).

        Raises:
            QualityError: not a list, or a bad rule (the message says which, counting from 1).
        """
        if not isinstance(items, (list, tuple)):
            raise QualityError(f"a rule set is a list of rules, got {type(items).__name__}.")
        rules = []
        for number, item in enumerate(items, 1):
            try:
                rules.append(Rule.from_dict(item))
            except QualityError as exc:
                raise QualityError(f"rule #{number}: {exc.message}", fix=exc.fix) from None
        return cls(rules)

    def __iter__(self):
        return iter(self.rules)

    def __len__(self):
        return len(self.rules)


def passes(expression):
    """``coalesce(expression, false)`` as a Column (``expression``: SQL ``str`` or ``Column``).

    Example:
        >>> passes(42)
        Traceback (most recent call last):
        ...
        lakehouse.quality.rules.QualityError: [QUALITY_RULE_INVALID] expression must be a SQL condition string or a Column, got int.
    """
    from pyspark.sql import functions as F

    from .conditions import condition_column

    return F.coalesce(condition_column(expression, "expression", QualityError).cast("boolean"), F.lit(False))
