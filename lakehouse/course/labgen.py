"""One source, two outputs: write ``labs/NN_*.ipynb`` from ``solutions/NN_*.ipynb``.

In a solution's code cell, learner work sits between ``# BEGIN SOLUTION`` and
``# END SOLUTION`` (nbgrader style). The lab gets, in its place, ``# TODO: <prompt>`` where
the prompt is the text after ``# BEGIN SOLUTION:`` (default "your code here"), followed by
the block's ``# LAB:`` lines uncommented — placeholders that keep the lab runnable, e.g.
``# LAB: answer = None``. Outputs and execution counts are stripped from both.

Example:
    >>> from lakehouse.course.labgen import lab_source
    >>> print(lab_source("x = 1\\n# BEGIN SOLUTION: add 2\\n# LAB: y = None\\ny = x + 2\\n# END SOLUTION"))
    x = 1
    # TODO: add 2
    y = None
"""

from __future__ import annotations

import re
from pathlib import Path

from .errors import NotebookSyncError
from ..runtime.paths import repo_root
from .workspace import notebook_content

_BEGIN = re.compile(r"^(?P<indent>\s*)# BEGIN SOLUTION(?::\s*(?P<prompt>.*))?\s*$")
_END = re.compile(r"^\s*# END SOLUTION\s*$")
_LAB = re.compile(r"^(?P<indent>\s*)# LAB: ?(?P<code>.*)$")


def lab_source(source: str, *, where: str = "cell") -> str:
    """The lab version of one code cell's source.

    Raises:
        NotebookSyncError: unbalanced markers (names ``where``).
    """
    out: list[str] = []
    in_block = False
    for line in source.split("\n"):
        begin = _BEGIN.match(line)
        if begin:
            if in_block:
                raise NotebookSyncError(f"{where}: '# BEGIN SOLUTION' inside another solution block.")
            in_block = True
            prompt = (begin.group("prompt") or "").strip() or "your code here"
            out.append(f"{begin.group('indent')}# TODO: {prompt}")
            continue
        if _END.match(line):
            if not in_block:
                raise NotebookSyncError(f"{where}: '# END SOLUTION' without a '# BEGIN SOLUTION'.")
            in_block = False
            continue
        if in_block:
            lab_line = _LAB.match(line)
            if lab_line:
                out.append(lab_line.group("indent") + lab_line.group("code"))
            continue
        out.append(line)
    if in_block:
        raise NotebookSyncError(f"{where}: '# BEGIN SOLUTION' is never closed by '# END SOLUTION'.")
    return "\n".join(out)


def _strip(nb) -> None:
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
        cell.metadata.pop("execution", None)
        cell.metadata.pop("papermill", None)
    nb.metadata.pop("papermill", None)


def render_lab(solution_path: Path) -> tuple[str, str]:
    """(clean solution text, lab text) for one solution notebook."""
    import nbformat

    nb = nbformat.read(str(solution_path), as_version=4)
    _strip(nb)
    clean_solution = nbformat.writes(nb) + "\n"
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            cell.source = lab_source(cell.source, where=f"{solution_path.name} cell {i}")
    return clean_solution, nbformat.writes(nb) + "\n"


def write_labs(root: Path | None = None, *, check: bool = False) -> list[str]:
    """Write ``labs/`` from ``solutions/`` (and strip outputs from solutions).

    Args:
        root: the repository (default: the one this package is installed from).
        check: only report what is out of date, write nothing. Notebooks count as up to date
            when their content (cells, sources, tags, kernel) matches, whatever metadata or
            outputs a front end added (:func:`lakehouse.course.workspace.notebook_content`).

    Returns:
        Names of the notebooks that were (or, with ``check``, would be) written.

    Raises:
        NotebookSyncError: no repository found, or malformed solution markers.
    """
    root = root or repo_root()
    if root is None:
        raise NotebookSyncError("No course repository found (solutions/ next to pyproject.toml).")
    labs_dir = root / "labs"
    labs_dir.mkdir(exist_ok=True)
    changed: list[str] = []
    wanted = set()
    for sol in sorted((root / "solutions").glob("[0-9][0-9]_*.ipynb")):
        clean, lab_text = render_lab(sol)
        target = labs_dir / sol.name
        wanted.add(sol.name)
        for path, text in ((sol, clean), (target, lab_text)):
            current = path.read_text() if path.exists() else None
            if current == text:
                continue
            if check and current is not None and notebook_content(current) == notebook_content(text):
                continue  # only what a front end adds (metadata, outputs) differs: same content
            changed.append(f"{path.parent.name}/{path.name}")
            if not check:
                path.write_text(text)
    for stale in sorted(labs_dir.glob("[0-9][0-9]_*.ipynb")):
        if stale.name not in wanted:
            changed.append(f"labs/{stale.name} (no solution)")
            if not check:
                stale.unlink()
    return changed
