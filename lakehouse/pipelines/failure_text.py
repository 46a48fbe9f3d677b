"""The line that says why a flow failed, for the CLI and the event log.

Spark wraps an error raised in a Python worker (the local ``cloudFiles`` source, a UDF, a
``foreachBatch`` function) as ``[PYTHON_DATA_SOURCE_ERROR] ... Traceback (most recent call
last):`` with the cause many lines further down; the first line alone is a stub. The cause is:

* an Auto Loader error carried in the text (``[CODE] message`` and its fix), as
  :func:`lakehouse.autoloader.client_check.from_spark_error` finds it;
* else the last ``SomeError: message`` line of an embedded Python traceback, after Spark's
  error condition;
* else Spark's first line.

Example:
    >>> underlying(RuntimeError("[PYTHON_DATA_SOURCE_ERROR] Failed: Traceback (most recent call last):\\n"
    ...                         '  File "x.py", line 1\\nValueError: no files under /in'))
    'PYTHON_DATA_SOURCE_ERROR: ValueError: no files under /in'
    >>> underlying(RuntimeError("[TABLE_OR_VIEW_NOT_FOUND] The table `x` cannot be found. SQLSTATE: 42P01"))
    '[TABLE_OR_VIEW_NOT_FOUND] The table `x` cannot be found. SQLSTATE: 42P01'
"""

from __future__ import annotations

import re

TRACEBACK = "Traceback (most recent call last)"


def underlying(exc: BaseException, width: int = 2000) -> str:
    """The cause of ``exc`` in one line (see the module docstring)."""
    from ..autoloader.client_check import from_spark_error

    text = str(exc).strip()
    ours = from_spark_error(exc)
    if ours is not None:  # the cloudFiles error with its message and fix, on one line
        return " ".join(line.strip() for line in str(ours).splitlines())[:width]
    first = (text.splitlines() or [type(exc).__name__])[0]
    if TRACEBACK in text:
        raised = re.findall(r"^\s*([\w.]+(?:Error|Exception|Exit|Interrupt): .+)$", text, flags=re.M)
        if raised:
            condition = re.match(r"\[([A-Z_.]+)\]", first)
            return ((condition.group(1) + ": ") if condition else "") + raised[-1].strip()[:width]
        first = first.split(TRACEBACK)[0].rstrip(" :")
    return first[:width] or type(exc).__name__
