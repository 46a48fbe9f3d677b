"""Run a notebook of either format (``.ipynb`` or Databricks source ``.py``) with papermill on the
course kernel, its parameters as widgets (``dbutils.widgets.get`` sees them); what
``lakehouse notebooks run`` and the job runner's notebook tasks use.

papermill runs the notebook with its folder as working directory, so ``%run ./x`` and relative
paths resolve as they do next to the notebook. A source-format notebook is converted in memory
(nothing is written next to it).

Example:
    >>> execute_notebook("nb.py", "out.ipynb", parameters={"day": "2026-01-02"})   # doctest: +SKIP
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from .errors import NotebookNotFoundError

EXIT_ENAME = "NotebookExit"
"""The error name of ``dbutils.notebook.exit``: a notebook that ends with it succeeded."""


def kernel_for(notebook: Path, cells_kernel: str | None = None) -> str:
    """The kernel to run ``notebook`` on: its own when installed, else ``lakehouse`` when installed, else ``python3``."""
    from jupyter_client.kernelspec import KernelSpecManager

    from .kernelspec import KERNEL_NAME

    installed = KernelSpecManager().find_kernel_specs()
    name = cells_kernel
    if notebook.suffix == ".ipynb":
        meta = json.loads(notebook.read_text(encoding="utf-8")).get("metadata", {})
        name = (meta.get("kernelspec") or {}).get("name")
    for candidate in (name, KERNEL_NAME):
        if candidate and candidate in installed:
            return candidate
    return "python3"


def load(notebook) -> dict:
    """The notebook as nbformat JSON (a source-format ``.py`` converted).

    Raises:
        NotebookNotFoundError: no such file.
        NotebookFormatError: neither an ``.ipynb`` nor source format.
    """
    from .source import read_cells, to_notebook

    path = Path(notebook)
    if not path.is_file():
        raise NotebookNotFoundError(f"no notebook at {path}.", fix="give the path of an .ipynb or a source-format .py.")
    if path.suffix == ".ipynb":
        return json.loads(path.read_text(encoding="utf-8"))
    return to_notebook(read_cells(path))


def execute_notebook(notebook, output, *, parameters: dict | None = None, kernel: str | None = None,
                     log_output: bool = False) -> dict:
    """Run ``notebook`` (either format) with papermill; parameters go to the widgets (and, for
    notebooks with a ``parameters`` cell, to papermill's injected variables too).

    Args:
        notebook: the ``.ipynb`` or source ``.py``.
        output: where the executed ``.ipynb`` is written.
        parameters: ``{name: value}`` (strings, as widgets hold them).
        kernel: the kernel name (default: :func:`kernel_for`).
        log_output: print the cells' output as they run.

    Returns:
        The executed notebook (nbformat node).

    Raises:
        papermill.exceptions.PapermillExecutionError: a cell failed (``ename``/``evalue`` say how);
            ``dbutils.notebook.exit`` is not a failure.
    """
    import nbformat
    import papermill
    from papermill.exceptions import PapermillExecutionError

    path = Path(notebook).resolve()
    nb = nbformat.from_dict(load(path))
    params = {k: str(v) for k, v in (parameters or {}).items()}
    previous = os.environ.get("LAKEHOUSE_WIDGETS")
    os.environ["LAKEHOUSE_WIDGETS"] = json.dumps(params)
    Path(output).parent.mkdir(parents=True, exist_ok=True)
    try:
        return papermill.execute_notebook(nb, str(output), parameters={k: v for k, v in params.items()
                                                                       if k.isidentifier()},
                                          kernel_name=kernel or kernel_for(path), cwd=str(path.parent),
                                          progress_bar=False, log_output=log_output)
    except PapermillExecutionError as exc:
        if exc.ename != EXIT_ENAME:
            raise
        return nbformat.read(str(output), as_version=4)
    finally:
        if previous is None:
            os.environ.pop("LAKEHOUSE_WIDGETS", None)
        else:
            os.environ["LAKEHOUSE_WIDGETS"] = previous
