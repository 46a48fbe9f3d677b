"""One source, two outputs: write ``labs/NN_*.ipynb`` from ``solutions/NN_*.ipynb``.

In a solution's code cell, learner work sits between ``# BEGIN SOLUTION`` and
``# END SOLUTION`` (nbgrader style). The lab gets, in its place, ``# TODO: <prompt>`` where
the prompt is the text after ``# BEGIN SOLUTION:`` (default "your code here"), followed by
the block's ``# LAB:`` lines uncommented — placeholders that keep the lab runnable, e.g.
``# LAB: answer = None``. Outputs and execution counts are stripped from both. The prompt is a
nudge (the concept, what to look up), never the code; the lab's ``# TODO:`` line is wrapped at
:data:`WIDTH` characters.

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

import re
import textwrap
from dataclasses import dataclass
from pathlib import Path

from ..errors import NotebookSyncError
from ..paths import repo_root
from .workspace import notebook_content

_BEGIN = re.compile(r"^(?P<indent>\s*)# BEGIN SOLUTION(?::\s*(?P<prompt>.*))?\s*$")
_END = re.compile(r"^\s*# END SOLUTION\s*$")
_LAB = re.compile(r"^(?P<indent>\s*)# LAB: ?(?P<code>.*)$")
_TODO_N = re.compile(r"^\s*# TODO (?P<n>\d+)\b")
WIDTH = 100  # a TODO line (and a printed nudge) wraps at this many characters


@dataclass(frozen=True)
class Block:
    """One ``# BEGIN SOLUTION`` ... ``# END SOLUTION`` block of a cell (line numbers from 0)."""

    begin: int
    end: int
    indent: str
    prompt: str
    lab: tuple[str, ...]
    code: str
    todo: int | None


def solution_blocks(source: str, *, where: str = "cell") -> list[Block]:
    """The solution blocks of one cell's source, each with the number of the ``# TODO n`` line above it.

    Raises:
        NotebookSyncError: unbalanced markers (names ``where``).

    Example:
        >>> [b.code for b in solution_blocks("# TODO 1: x\\n# BEGIN SOLUTION: p\\n# LAB: y = None\\ny = 2\\n# END SOLUTION")]
        ['y = 2']
    """
    lab_source(source, where=where)  # the markers balance
    lines = source.split("\n")
    blocks, todo, begin = [], None, None
    for i, line in enumerate(lines):
        numbered = _TODO_N.match(line)
        if numbered and begin is None:
            todo = int(numbered.group("n"))
        if _BEGIN.match(line):
            begin = i
        elif _END.match(line):
            head = _BEGIN.match(lines[begin])
            inner = lines[begin + 1:i]
            lab = tuple(x for x in inner if _LAB.match(x))
            code = textwrap.dedent("\n".join(x for x in inner if not _LAB.match(x))).strip("\n")
            blocks.append(Block(begin, i, head.group("indent"), (head.group("prompt") or "").strip(), lab, code,
                                todo))
            begin = None
    return blocks


def solution_source(source: str) -> str:
    """``source`` as the solution runs it: markers and ``# LAB:`` lines dropped.

    Example:
        >>> solution_source("a = 1\\n# BEGIN SOLUTION: p\\n# LAB: b = None\\nb = 2\\n# END SOLUTION")
        'a = 1\\nb = 2'
    """
    return "\n".join(line for line in source.split("\n")
                     if not (_BEGIN.match(line) or _END.match(line) or _LAB.match(line)))


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
    numbered = next((int(m.group("n")) for m in map(_TODO_N.match, lines) if m), None)
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


def _todo_lines(indent: str, prompt: str) -> list[str]:
    """The lab's ``# TODO: prompt``, wrapped at :data:`WIDTH` characters."""
    return textwrap.wrap(prompt, WIDTH, initial_indent=f"{indent}# TODO: ", subsequent_indent=f"{indent}#       ",
                         break_long_words=False, break_on_hyphens=False)


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
            out.extend(_todo_lines(begin.group("indent"), prompt))
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
        if cell.cell_type == "code" and "# BEGIN SOLUTION" in cell.source:
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
