"""Data quality as data: rule sets, the valid/quarantine split, quality metrics over time.

A :class:`Rule` is a name, a SQL boolean expression, an action (``warn``, ``drop``, ``fail``:
Databricks' ``expect`` / ``expect_or_drop`` / ``expect_or_fail``) and a description. A
:class:`RuleSet` is declared once and used twice: in pipeline files
(``@dp.expect_all_or_drop(rules.as_dict("drop"))``) and in plain Spark code
(:func:`split`, the quarantine pattern of
https://docs.databricks.com/aws/en/ldp/expectation-patterns). A row passes a rule only when
its expression is TRUE (NULL fails), as in :mod:`lakehouse.pipelines.expectations`.

Example:
    >>> rules = RuleSet([Rule("has_id", "id IS NOT NULL"), Rule("positive", "amount > 0", "warn")])
    >>> rules.as_dict("drop"), rules.names
    ({'has_id': 'id IS NOT NULL'}, ('has_id', 'positive'))
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import LakehouseError

ACTIONS = ("warn", "drop", "fail")


class QualityError(LakehouseError):
    """A bad rule or rule set."""

    code = "QUALITY_RULE_INVALID"


@dataclass(frozen=True)
class Rule:
    """One data quality rule: ``name``, SQL ``expression`` (TRUE = good row), ``action``, ``description``."""

    name: str
    expression: str
    action: str = "drop"
    description: str = ""

    def __post_init__(self):
        if not isinstance(self.name, str) or not self.name.strip():
            raise QualityError(f"a rule needs a name (str), got {self.name!r}.")
        if not isinstance(self.expression, str) or not self.expression.strip():
            raise QualityError(f"rule {self.name!r}: expression must be a SQL boolean expression (str), "
                               f"got {type(self.expression).__name__}.")
        if self.action not in ACTIONS:
            raise QualityError(f"rule {self.name!r}: action must be one of {', '.join(ACTIONS)}, got {self.action!r}.")

    def passes(self):
        """A boolean Column: TRUE when a row satisfies the rule (a NULL result fails)."""
        return passes(self.expression)


@dataclass(frozen=True)
class RuleSet:
    """An ordered, named collection of rules (names are unique)."""

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

    def __iter__(self):
        return iter(self.rules)


def passes(expression):
    """``coalesce(expression, false)`` as a Column (``expression``: SQL ``str`` or ``Column``)."""
    from pyspark.sql import functions as F

    from .conditions import condition_column

    return F.coalesce(condition_column(expression, "expression", QualityError).cast("boolean"), F.lit(False))


@dataclass(frozen=True)
class QualitySplit:
    """``valid`` rows (every ``drop``/``fail`` rule passed) and ``quarantined`` rows with ``failed_rules``."""

    valid: object
    quarantined: object


def split(df, rules: RuleSet) -> QualitySplit:
    """Split ``df`` into valid rows and quarantined rows (the quarantine pattern).

    A row is quarantined when it fails at least one rule whose action is ``drop`` or ``fail``;
    ``quarantined`` has the columns of ``df`` plus ``failed_rules`` (array of every failed rule's
    name, ``warn`` rules included). ``valid`` has the columns of ``df``. Same shape always.

    Args:
        df: any DataFrame (batch or streaming).
        rules: a :class:`RuleSet` (or a list of :class:`Rule`).

    Returns:
        A :class:`QualitySplit`.

    Raises:
        QualityError: ``rules`` is not rules.

    Example:
        >>> from lakehouse.quality import split, RuleSet, Rule                 # doctest: +SKIP
        >>> s = split(spark.createDataFrame([(1,), (None,)], "id int"),
        ...           RuleSet([Rule("has_id", "id IS NOT NULL")]))              # doctest: +SKIP
        >>> s.valid.count(), s.quarantined.first().failed_rules                 # doctest: +SKIP
        (1, ['has_id'])
    """
    from pyspark.sql import functions as F

    rules = rules if isinstance(rules, RuleSet) else RuleSet(rules)
    if not rules.rules:
        raise QualityError("split needs at least one rule.")
    failed = F.filter(F.array(*[F.when(~r.passes(), F.lit(r.name)) for r in rules]), lambda x: x.isNotNull())
    blocking = F.lit(True)
    for r in rules:
        if r.action != "warn":
            blocking = blocking & r.passes()
    tagged = df.withColumn("__ok", blocking)
    return QualitySplit(tagged.where("__ok").drop("__ok"),
                        tagged.where("NOT __ok").drop("__ok").withColumn("failed_rules", failed))


def expectation_metrics(event_log):
    """Passed and failed records per update, dataset and expectation, from a pipeline event log.

    Args:
        event_log: the event log DataFrame (:func:`lakehouse.pipelines.event_log`).

    Returns:
        A DataFrame ``update_id, timestamp, dataset, expectation, passed_records, failed_records,
        failure_rate`` (one row per update and expectation), oldest update first.
    """
    from pyspark.sql import functions as F

    dq_type = "array<struct<name:string,dataset:string,passed_records:bigint,failed_records:bigint>>"
    e = (event_log.where("event_type = 'flow_progress'")
         .select(F.col("origin.update_id").alias("update_id"), "timestamp",
                 F.explode(F.from_json(F.get_json_object("details", "$.flow_progress.data_quality.expectations"),
                                       dq_type)).alias("e")))
    return (e.groupBy("update_id", F.col("e.dataset").alias("dataset"), F.col("e.name").alias("expectation"))
            .agg(F.min("timestamp").alias("timestamp"), F.sum("e.passed_records").alias("passed_records"),
                 F.sum("e.failed_records").alias("failed_records"))
            .withColumn("failure_rate", F.col("failed_records") / (F.col("passed_records") + F.col("failed_records")))
            .select("update_id", "timestamp", "dataset", "expectation", "passed_records", "failed_records",
                    "failure_rate")
            .orderBy("timestamp", "dataset", "expectation"))


def plot_metrics(metrics, *, ax=None):
    """A bar chart of failed records per expectation and update (from :func:`expectation_metrics`).

    Returns:
        The matplotlib Axes.
    """
    import matplotlib.pyplot as plt

    pdf = metrics.toPandas() if hasattr(metrics, "toPandas") else metrics
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 3.5))
    if pdf.empty:
        ax.set_title("no expectation metrics yet")
        return ax
    pdf = pdf.assign(label=pdf["dataset"] + "." + pdf["expectation"],
                     update=pdf.groupby("timestamp").ngroup() + 1)
    table = pdf.pivot_table(index="label", columns="update", values="failed_records", aggfunc="sum").fillna(0)
    table.plot.barh(ax=ax)
    ax.set_xlabel("failed records")
    ax.set_ylabel("")
    ax.set_title("Failed records per expectation, by update")
    ax.legend(title="update", fontsize="small")
    return ax


__all__ = ["QualityError", "QualitySplit", "Rule", "RuleSet", "expectation_metrics", "passes", "plot_metrics",
           "split"]
