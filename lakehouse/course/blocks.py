"""The ``# BEGIN SOLUTION`` / ``# END SOLUTION`` blocks of a solution cell, and the lab's version of a cell.

In a solution's code cell, learner work sits between ``# BEGIN SOLUTION: <prompt>`` and
``# END SOLUTION`` (nbgrader style); ``# LAB:`` lines inside a block are what the lab shows instead
(placeholders that keep it runnable). The block belongs to the TODO whose ``# TODO n`` line is above
it in the cell. :mod:`lakehouse.course.labgen` writes the labs with these;
:mod:`lakehouse.course.answers` reads a reference file's block.

In a ``%sql`` cell, and in a SQL file (a pipeline's ``%%writefile x.sql`` cell, which so stays
valid SQL), the markers are SQL comments (``-- TODO n``, ``-- BEGIN SOLUTION: <prompt>``,
``-- LAB:``, ``-- END SOLUTION``), and the lab's TODO line is one too (``-- TODO: <prompt>``), so
the lab's cell is a SQL cell of comments, which runs as nothing.

Example:
    >>> print(lab_source("x = 1\\n# BEGIN SOLUTION: add 2\\n# LAB: y = None\\ny = x + 2\\n# END SOLUTION"))
    x = 1
    # TODO: add 2
    y = None
    >>> print(lab_source("%sql\\n-- BEGIN SOLUTION: a MERGE\\nMERGE INTO t USING s ON t.k = s.k\\n-- END SOLUTION"))
    %sql
    -- TODO: a MERGE
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass

from .errors import NotebookSyncError

COMMENT = r"(?P<mark>#|--)"  # a Python comment, or a SQL one in a %sql cell
BEGIN = re.compile(r"^(?P<indent>\s*)" + COMMENT + r" BEGIN SOLUTION(?::\s*(?P<prompt>.*))?\s*$")
END = re.compile(r"^\s*(?:#|--) END SOLUTION\s*$")
LAB = re.compile(r"^(?P<indent>\s*)(?:#|--) LAB: ?(?P<code>.*)$")
TODO_LINE = re.compile(r"^\s*(?:#|--) TODO (?P<n>\d+)\b")
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
        numbered = TODO_LINE.match(line)
        if numbered and begin is None:
            todo = int(numbered.group("n"))
        if BEGIN.match(line):
            begin = i
        elif END.match(line):
            head = BEGIN.match(lines[begin])
            inner = lines[begin + 1:i]
            lab = tuple(x for x in inner if LAB.match(x))
            code = textwrap.dedent("\n".join(x for x in inner if not LAB.match(x))).strip("\n")
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
                     if not (BEGIN.match(line) or END.match(line) or LAB.match(line)))


def _todo_lines(indent: str, prompt: str, mark: str = "#") -> list[str]:
    """The lab's ``# TODO: prompt`` (``-- TODO: prompt`` in SQL), wrapped at :data:`WIDTH` characters.

    Example:
        >>> _todo_lines("", "a constraint", "--")
        ['-- TODO: a constraint']
    """
    return textwrap.wrap(prompt, WIDTH, initial_indent=f"{indent}{mark} TODO: ",
                         subsequent_indent=f"{indent}{mark}       ", break_long_words=False, break_on_hyphens=False)


def lab_source(source: str, *, where: str = "cell") -> str:
    """The lab version of one code cell's source.

    Raises:
        NotebookSyncError: unbalanced markers (names ``where``).
    """
    out: list[str] = []
    in_block = False
    for line in source.split("\n"):
        begin = BEGIN.match(line)
        if begin:
            if in_block:
                raise NotebookSyncError(f"{where}: '# BEGIN SOLUTION' inside another solution block.")
            in_block = True
            prompt = (begin.group("prompt") or "").strip() or "your code here"
            out.extend(_todo_lines(begin.group("indent"), prompt, begin.group("mark")))
            continue
        if END.match(line):
            if not in_block:
                raise NotebookSyncError(f"{where}: '# END SOLUTION' without a '# BEGIN SOLUTION'.")
            in_block = False
            continue
        if in_block:
            lab_line = LAB.match(line)
            if lab_line:
                out.append(lab_line.group("indent") + lab_line.group("code"))
            continue
        out.append(line)
    if in_block:
        raise NotebookSyncError(f"{where}: '# BEGIN SOLUTION' is never closed by '# END SOLUTION'.")
    return "\n".join(out)
