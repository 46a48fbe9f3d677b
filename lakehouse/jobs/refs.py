"""Dynamic value references in task settings: ``{{job.parameters.x}}``, ``{{tasks.t.values.k}}`` ...

Databricks replaces ``{{...}}`` references in task parameters and condition operands when a
task starts (https://docs.databricks.com/jobs/dynamic-value-references.html). Supported here:
``job.id``, ``job.name``, ``job.run_id``, ``job.parameters.<name>``, ``job.start_time.iso_date``,
``job.start_time.iso_datetime``, ``job.start_time.timestamp``, ``task.name``, ``task.run_id``,
``tasks.<task_key>.values.<key>``, ``tasks.<task_key>.run_id``, ``tasks.<task_key>.result_state``.

Example:
    >>> resolve("run {{job.parameters.day}}", {"job.parameters.day": "2026-01-02"})
    'run 2026-01-02'
"""

from __future__ import annotations

import json
import re

from .errors import JobParameterError

_REF = re.compile(r"\{\{\s*([^{}]+?)\s*\}\}")


def resolve(text, values: dict):
    """Replace every ``{{name}}`` in ``text`` (str, list or dict of str) by ``values[name]``.

    Args:
        text: a string, or a list/dict whose strings are resolved (a new object is returned).
        values: reference name -> value (non-strings are written as JSON).

    Raises:
        JobParameterError: a reference that is not known (the message lists what is).

    Example:
        >>> resolve({"n": "{{tasks.ingest.values.rows}}"}, {"tasks.ingest.values.rows": 3})
        {'n': '3'}
    """
    if isinstance(text, dict):
        return {k: resolve(v, values) for k, v in text.items()}
    if isinstance(text, list):
        return [resolve(v, values) for v in text]
    if not isinstance(text, str):
        return text

    def one(match):
        name = match.group(1)
        if name not in values:
            known = ", ".join(sorted(values)) or "none"
            raise JobParameterError(f"reference {{{{{name}}}}} is not known at this point of the run (known: {known}).",
                                    fix="check the name; a task value exists only after its task set it "
                                        "(and the task must be upstream, in depends_on).")
        value = values[name]
        return value if isinstance(value, str) else json.dumps(value)

    return _REF.sub(one, text)
