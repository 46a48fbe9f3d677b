"""The checks of each lab: one module per lab, named for it (``lab02_auto_loader_bronze``).

A lab module defines ``CHECKS``, a list of :class:`lakehouse.course.grading.Check` in notebook order.
The notebook never holds a check's logic, reference answer or catch-up: a check cell is
``x = ctx.check("x", x)`` (a TODO's variable) or ``ctx.check("bronze_crm")`` (a state check).
How to write one: ``docs/WRITING_LABS.md``.

The helpers here are what several labs' checks share.

Example:
    >>> from lakehouse.course.labs import lab_checks
    >>> [c.name for c in lab_checks("00_welcome_and_setup")][:2]
    ['environment', 'customers_table']
    >>> [c.name for c in lab_checks("12_capstone")][:2]
    ['bronze', 'silver_customers']
"""

from __future__ import annotations

import importlib
import json
import re
from pathlib import Path

from ..grading import Check, NotAnswered


def lab_checks(lab_id: str) -> list[Check]:
    """The ``CHECKS`` of the lab ``lab_id`` (``[]`` when the lab has no module yet)."""
    try:
        module = importlib.import_module(f"{__name__}.lab{lab_id}")
    except ModuleNotFoundError as exc:
        if exc.name != f"{__name__}.lab{lab_id}":
            raise
        return []
    return list(module.CHECKS)


def table_or_fail(ctx, name: str):
    """The table ``name`` (a full name), or ``AssertionError`` saying it does not exist yet."""
    if not ctx.spark.catalog.tableExists(name):
        raise NotAnswered(f"no table {name.split('.')[-1]} yet")
    return ctx.spark.table(name)


def dataframe_or_fail(value, what: str, *, streaming: bool | None = None):
    """``value`` when it is a Spark DataFrame (streaming or not, as asked), else ``AssertionError``."""
    if type(value).__name__ != "DataFrame":  # classic and Connect DataFrames; a Column fakes any attribute
        raise AssertionError(f"{what} is a {type(value).__name__}, expected a DataFrame")
    if streaming is not None and value.isStreaming != streaming:
        raise AssertionError(f"{what} is {'a streaming' if value.isStreaming else 'a batch'} DataFrame, "
                             f"expected {'a streaming' if streaming else 'a batch'} one")
    return value


_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def same_rows(found, expected, what: str = "rows") -> bool:
    """``AssertionError`` unless ``found`` holds the rows of ``expected``: the one way lab checks compare rows.

    Spark's own ``pyspark.testing.assertDataFrameEqual``: order does not count, duplicates do,
    doubles match within a relative 1e-5; two DataFrames must also have the same column names and
    types (nullability aside).

    Args:
        found: the learner's DataFrame (or a list of rows / tuples).
        expected: the reference, a DataFrame or a list of rows / tuples in the same column order.
        what: what the rows are, for the message.

    Returns:
        True (a check's pass).

    Raises:
        AssertionError: the rows differ; the message shows up to 5 rows of each side that differ.

    Example:
        >>> from pyspark.sql import Row
        >>> same_rows([Row(id=1, n="a")], [(1, "a")])
        True
        >>> same_rows([Row(id=1, n="a")], [(1, "b")], "customers")
        Traceback (most recent call last):
        AssertionError: customers differ from the reference: found Row(id=1, n='a'); expected (1, 'b')
    """
    from pyspark.errors import PySparkAssertionError
    from pyspark.testing import assertDataFrameEqual

    try:
        assertDataFrameEqual(found, expected, maxErrors=5,
                             showOnlyDiff=True)
    except PySparkAssertionError as exc:
        text = _ANSI.sub("", str(exc))
        found_part, _, expected_part = text.partition("*** expected ***")
        rows = [[line[2:] for line in part.splitlines() if line.startswith("! ")] for part in (found_part, expected_part)]
        if not any(rows):  # a schema or length difference: Spark's first line says which
            raise AssertionError(f"{what} differ from the reference: {text.splitlines()[0]}") from None
        raise AssertionError(f"{what} differ from the reference: found {'; '.join(rows[0]) or 'nothing more'}; "
                             f"expected {'; '.join(rows[1]) or 'nothing more'}") from None
    return True


def landed_manifest(ctx) -> dict:
    """The ``_manifest.json`` of the data set landed in the lab's landing folder."""
    from ...datagen import read_manifest
    from ...datagen.arrival import ARRIVALS_NAME

    state = Path(ctx.landing, ARRIVALS_NAME)
    if not state.is_file():
        raise NotAnswered("no data has landed yet: run the ctx.arrive(...) cells first")
    return read_manifest(json.loads(state.read_text())["source"])
