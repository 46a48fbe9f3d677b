"""One source, two outputs: write ``labs/NN_*.ipynb`` from ``solutions/NN_*.ipynb``.

In a solution's code cell, learner work sits between ``# BEGIN SOLUTION`` and
``# END SOLUTION`` (nbgrader style). The lab gets, in its place, ``# TODO: <prompt>`` where
the prompt is the text after ``# BEGIN SOLUTION:`` (default "your code here"), followed by
the block's ``# LAB:`` lines uncommented — placeholders that keep the lab runnable, e.g.
``# LAB: answer = None``. Outputs and execution counts are stripped from both. The prompt is a
nudge (the concept, what to look up), never the code; the lab's ``# TODO:`` line is wrapped at
:data:`~lakehouse.course.blocks.WIDTH` characters.

The code of an exercise's block is not written by hand: ``make labs`` writes it from the lab
module's reference answer (:mod:`lakehouse.course.answers`), the one source of the answer that
``ctx.answer`` prints and the catch-up runs. The block belongs to the check whose TODO number is on
the cell's ``# TODO n`` line.

Example:
    >>> from lakehouse.course.labgen import lab_source
    >>> print(lab_source("x = 1\\n# BEGIN SOLUTION: add 2\\n# LAB: y = None\\ny = x + 2\\n# END SOLUTION"))
    x = 1
    # TODO: add 2
    y = None
"""

from __future__ import annotations

from pathlib import Path

from .blocks import TODO_LINE, lab_source, solution_blocks
from .errors import NotebookSyncError
from ..runtime.paths import repo_root
from .workspace import notebook_content


def fill_blocks(source: str, references: dict, *, where: str = "cell") -> str:
    """``source`` with each block's code written from the reference of its TODO number.

    Args:
        source: one solution cell.
        references: ``{todo number: reference}`` (:mod:`lakehouse.course.answers`); a block whose
            number has none is left as it is.

    Example:
        >>> from lakehouse.course.answers import FileAnswer
        >>> ref = FileAnswer("# BEGIN SOLUTION: p\\nx = 2\\n# END SOLUTION", path="f")
        >>> print(fill_blocks("%%writefile f\\n# TODO 1: set x\\nx = 1", {1: ref}))
        %%writefile f
        # BEGIN SOLUTION: p
        x = 2
        # END SOLUTION
    """
    lines = source.split("\n")
    numbered = next((int(m.group("n")) for m in map(TODO_LINE.match, lines) if m), None)
    file_ref = references.get(numbered)
    if lines[0].startswith("%%writefile") and file_ref is not None and hasattr(file_ref, "source"):
        return lines[0] + "\n" + file_ref.source.rstrip("\n")
    for block in reversed(solution_blocks(source, where=where)):
        ref = references.get(block.todo)
        if ref is None or hasattr(ref, "source"):
            continue
        code = [(block.indent + x) if x else "" for x in ref.block.split("\n")]
        lines[block.begin + 1:block.end] = list(block.lab) + code
    return "\n".join(lines)


def _strip(nb) -> None:
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
        cell.metadata.pop("execution", None)
        cell.metadata.pop("papermill", None)
    nb.metadata.pop("papermill", None)


def _references(lab_id: str) -> dict:
    """``{todo number: reference}`` of the lab's exercises that give one."""
    from .labs import lab_checks

    return {c.todo: c.reference for c in lab_checks(lab_id) if c.todo is not None and c.reference is not None}


def render_lab(solution_path: Path) -> tuple[str, str]:
    """(clean solution text, lab text) for one solution notebook; its blocks written from the references."""
    import nbformat

    nb = nbformat.read(str(solution_path), as_version=4)
    _strip(nb)
    references = _references(solution_path.stem)
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and "BEGIN SOLUTION" in cell.source:
            cell.source = fill_blocks(cell.source, references, where=f"{solution_path.name} cell {i}")
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
