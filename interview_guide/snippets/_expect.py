"""Helpers shared by the interview guide's snippets: expect a Spark error by its condition.

Each snippet in this folder proves one claim of ``../INTERVIEW_GUIDE.md`` on real Spark and
Delta: ``run(spark, tmp_path)`` asserts and returns what it saw. ``tests/test_interview_guide.py``
runs them all on the test engine; run one yourself with
``.venv/bin/python interview_guide/snippets/<name>.py``.

Example:
    >>> condition_of(ValueError("[DELTA_X] boom"))
    'DELTA_X'
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path


def condition_of(exc: BaseException) -> str:
    """The error condition of a Spark error (``getCondition()``, else the ``[NAME]`` in its text)."""
    get = getattr(exc, "getCondition", None)
    name = get() if callable(get) else None
    if name:
        return name
    found = re.search(r"\[([A-Z][A-Z0-9_]+)(?:\.[A-Z0-9_]+)?\]", str(exc))
    return found.group(1) if found else type(exc).__name__


def expect_error(action, *conditions: str) -> str:
    """Run ``action()``; it must fail with one of ``conditions`` (the error's condition or text).

    Returns:
        The condition seen.

    Raises:
        AssertionError: the action succeeded, or failed with another error.
    """
    try:
        action()
    except Exception as exc:  # noqa: BLE001 - any Spark error class; checked below
        seen = condition_of(exc)
        assert seen in conditions or any(c in str(exc) for c in conditions), (
            f"expected one of {conditions}, got {seen}: {str(exc)[:300]}")
        return seen
    raise AssertionError(f"expected the error {conditions}, but the action succeeded")


def fresh_schema(spark, name: str) -> str:
    """Drop and create the schema ``name`` (each snippet owns one); returns the name."""
    spark.sql(f"DROP SCHEMA IF EXISTS {name} CASCADE")
    spark.sql(f"CREATE SCHEMA {name}")
    return name


def run_standalone(run) -> None:
    """Run a snippet's ``run(spark, tmp_path)`` on the learner's engine and print what it saw."""
    from lakehouse import get_spark

    with tempfile.TemporaryDirectory() as tmp:
        print(run(get_spark(), Path(tmp)))
