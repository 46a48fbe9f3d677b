"""Runs one notebook or pipeline task in its own process (started by the local job runner).

``python -m lakehouse.jobs.task_process CONTEXT.json``: the context names the task kind, the
notebook (papermill) or the pipeline spec, the widget values and where to write the result. A
notebook that calls ``dbutils.notebook.exit(value)`` ends successfully with that value.

Example:
    >>> EXIT_ENAME
    'NotebookExit'
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

EXIT_ENAME = "NotebookExit"


def _notebook(ctx: dict) -> None:
    import papermill
    from papermill.exceptions import PapermillExecutionError

    params = {k: v for k, v in ctx["widgets"].items() if k.isidentifier()}
    try:
        papermill.execute_notebook(ctx["notebook"], ctx["output_notebook"], parameters=params,
                                   kernel_name=_kernel(ctx["notebook"]), cwd=str(Path(ctx["notebook"]).parent),
                                   progress_bar=False, log_output=False)
    except PapermillExecutionError as exc:
        if exc.ename != EXIT_ENAME:
            raise SystemExit(f"{exc.ename}: {exc.evalue}") from None


def _kernel(notebook: str) -> str:
    """The notebook's kernel when it is installed, else ``python3`` (this environment's ipykernel)."""
    from jupyter_client.kernelspec import KernelSpecManager

    name = json.loads(Path(notebook).read_text(encoding="utf-8")).get("metadata", {}).get("kernelspec", {}).get("name")
    return name if name and name in KernelSpecManager().find_kernel_specs() else "python3"


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
