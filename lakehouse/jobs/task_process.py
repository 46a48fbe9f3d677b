"""Runs one notebook or pipeline task in its own process (started by the local job runner).

``python -m lakehouse.jobs.task_process CONTEXT.json``: the context names the task kind, the
notebook (``.ipynb`` or source ``.py``, run by :func:`lakehouse.notebook.execute.execute_notebook`
on its kernel, else the course kernel) or the pipeline spec, the widget values and where to write
the result. A notebook that calls ``dbutils.notebook.exit(value)`` ends successfully with that value.

Example:
    >>> EXIT_ENAME
    'NotebookExit'
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from ..notebook.execute import EXIT_ENAME  # noqa: F401  (re-exported: the job runner names it)


def _notebook(ctx: dict) -> None:
    from papermill.exceptions import PapermillExecutionError

    from ..notebook.execute import execute_notebook

    try:
        execute_notebook(ctx["notebook"], ctx["output_notebook"], parameters=ctx["widgets"])
    except PapermillExecutionError as exc:
        raise SystemExit(f"{exc.ename}: {exc.evalue}") from None


def _pipeline(ctx: dict) -> None:
    from ..pipelines import run

    result = run(ctx["pipeline_spec"], full_refresh=bool(ctx.get("full_refresh")))
    if result.state != "COMPLETED":
        raise SystemExit(f"pipeline update ended {result.state}")


def main(argv: list[str]) -> int:
    """Run the task described by ``argv[0]`` (a context JSON); exit code 0 on success."""
    ctx = json.loads(Path(argv[0]).read_text(encoding="utf-8"))
    {"notebook": _notebook, "pipeline": _pipeline}[ctx["kind"]](ctx)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
