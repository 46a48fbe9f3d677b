"""The quarantine pattern: valid rows and quarantined rows (with the names of the rules they failed).

https://docs.databricks.com/aws/en/ldp/expectation-patterns: rows failing a ``drop`` or ``fail``
rule go to a quarantine table instead of the valid one; ``warn`` rules only label.

Example:
    >>> from lakehouse.quality.split import QualitySplit
    >>> QualitySplit(valid="v", quarantined="q").quarantined
    'q'
"""

from __future__ import annotations

from dataclasses import dataclass

from .rules import QualityError, RuleSet


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
