"""The text of a DataFrame's plan (``explain``) as a string, classic or Spark Connect.

Example:
    >>> from lakehouse.perf import plan_text                        # doctest: +SKIP
    >>> "BroadcastHashJoin" in plan_text(facts.join(F.broadcast(dim), "k"))   # doctest: +SKIP
    True
"""

from __future__ import annotations

import contextlib
import io

from .errors import PerfArgumentError

MODES = ("simple", "extended", "codegen", "cost", "formatted")


def plan_text(df, mode: str = "formatted") -> str:
    """What ``df.explain(mode)`` prints, as a string (to search it, e.g. for Photon operators).

    Args:
        df: a DataFrame.
        mode: an ``explain`` mode: simple, extended, codegen, cost or formatted.

    Returns:
        The plan text. It is the plan before the query runs: adaptive execution may still
        change it (``AdaptiveSparkPlan isFinalPlan=false``); :func:`scan_metrics` sees the final one.

    Raises:
        PerfArgumentError: ``df`` has no ``explain`` or ``mode`` is unknown.

    Example:
        >>> print(plan_text(spark.range(3), "simple"))              # doctest: +SKIP
        == Physical Plan ==
        *(1) Range (0, 3, step=1, splits=2)
    """
    if mode not in MODES:
        raise PerfArgumentError(f"mode {mode!r} is not an explain mode.", fix=f"use one of {', '.join(MODES)}.")
    if not callable(getattr(df, "explain", None)):
        raise PerfArgumentError(f"df is a {type(df).__name__}, expected a DataFrame.")
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        df.explain(mode=mode)
    return out.getvalue()
