"""Rule sets in YAML: a list of rules in their plain form, read with the line of each rule.

A rule file is a YAML list; each item is one :class:`~lakehouse.quality.rules.Rule` as
:meth:`~lakehouse.quality.rules.Rule.to_dict` writes it (``name``, ``expression``, ``action``,
optional ``description`` and ``metadata``), the declarative shape Databricks Labs DQX uses for
its checks (https://databrickslabs.github.io/dqx/docs/guide/quality_checks_definition/). JSON
is YAML too, so a JSON list of rules reads the same way.

Example:
    >>> text = '''
    ... - name: has_id
    ...   expression: id IS NOT NULL
    ... - name: positive
    ...   expression: amount > 0
    ...   action: warn
    ...   metadata: {owner: finance}
    ... '''
    >>> rules = rules_from_yaml(text)
    >>> [(r.name, r.action) for r in rules]
    [('has_id', 'drop'), ('positive', 'warn')]
    >>> rules_from_yaml(rules_to_yaml(rules)) == rules
    True
"""

from __future__ import annotations

from .rules import QualityError, RuleSet


def rules_from_yaml(text: str, *, source: str = "<yaml>") -> RuleSet:
    """The :class:`RuleSet` a YAML (or JSON) list of rules describes.

    Args:
        text: the YAML text (e.g. ``Path("rules.yml").read_text()``).
        source: the name errors give the text (the file's path).

    Returns:
        A :class:`RuleSet`, rules in file order.

    Raises:
        QualityError: invalid YAML, not a list, or a bad rule; the message names ``source``, the
            line of the rule and the field.

    Example:
        >>> rules_from_yaml("- name: x\\n  expression: a > 0\\n  action: explode\\n", source="rules.yml")
        Traceback (most recent call last):
        ...
        lakehouse.quality.rules.QualityError: [QUALITY_RULE_INVALID] rules.yml, line 1: rule 'x': action must be one of warn, drop, fail, got 'explode'.
    """
    import yaml

    from .rules import Rule

    try:
        document = yaml.compose(text, Loader=yaml.SafeLoader)  # the nodes know their lines
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f", line {mark.line + 1}" if mark is not None else ""
        raise QualityError(f"{source}{where}: not valid YAML: {getattr(exc, 'problem', None) or exc}.",
                           fix=f"fix {source}.") from None
    if not isinstance(data, list):
        raise QualityError(f"{source}: a rule file is a YAML list of rules, got "
                           f"{'nothing' if data is None else type(data).__name__}.",
                           fix="write one '- name: ...' item per rule with its expression: and action:.")
    rules = []
    for node, item in zip(document.value, data):
        try:
            rules.append(Rule.from_dict(item))
        except QualityError as exc:
            raise QualityError(f"{source}, line {node.start_mark.line + 1}: {exc.message}", fix=exc.fix) from None
    try:
        return RuleSet(rules)
    except QualityError as exc:
        raise QualityError(f"{source}: {exc.message}", fix=exc.fix) from None


def rules_to_yaml(rules) -> str:
    """The YAML text of ``rules`` (a :class:`RuleSet` or a list of rules), readable by :func:`rules_from_yaml`.

    Raises:
        QualityError: a rule checks with a Python function (only SQL serialises).

    Example:
        >>> from lakehouse.quality import Rule
        >>> print(rules_to_yaml([Rule("has_id", "id IS NOT NULL", description="every row has an id")]), end="")
        - name: has_id
          expression: id IS NOT NULL
          action: drop
          description: every row has an id
    """
    import yaml

    rules = rules if isinstance(rules, RuleSet) else RuleSet(rules)
    return yaml.safe_dump(rules.to_list(), sort_keys=False, allow_unicode=True)

