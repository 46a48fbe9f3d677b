"""Markdown of the interview guide rendered for a terminal (``lakehouse quiz``).

The guide's answers use a small part of Markdown: paragraphs hard-wrapped in the source,
``**bold**``, ``*italic*``, ```code```, ``[text](target)`` links, ``* `` / ``- `` / ``1. ``
lists and the odd table. :func:`render` turns exactly that into terminal text: bold and italic
as ANSI styles (or nothing, without colour), code in cyan (or kept in backticks), a link as its
text followed by the target in parentheses (a relative target made relative to the
repository, so ``../labs/05_x.ipynb`` reads ``labs/05_x.ipynb``), list markers as ``•``, and
source line breaks inside a paragraph joined, then re-wrapped to the terminal's width.

Not a general Markdown renderer: a few regular expressions suffice for the guide, and avoid a
dependency (``rich`` is not a dependency of the package; see README "Interview preparation").

Example:
    >>> print(render("**AUTO CDC** orders by `sequence_by`: see [lab 03](../labs/03_merge.ipynb).",
    ...              color=False, width=60))
    AUTO CDC orders by `sequence_by`: see lab 03
    (labs/03_merge.ipynb).
"""

from __future__ import annotations

import os
import re
import shutil

BOLD, ITALIC, CODE, DIM, RESET = "\x1b[1m", "\x1b[3m", "\x1b[36m", "\x1b[2m", "\x1b[0m"
_CODE = re.compile(r"`([^`]+)`")
_LINK = re.compile(r"\[([^\]]+)\]\(([^)\s]+)\)")
_BOLD = re.compile(r"\*\*(.+?)\*\*")
_ITALIC = re.compile(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])")
_ITEM = re.compile(r"^(\s*)(?:[*-]|\d+\.)\s+")
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def wants_color(stream=None) -> bool:
    """True when ``stream`` (stdout by default) is a terminal and ``NO_COLOR`` is not set (no-color.org).

    Example:
        >>> import io
        >>> wants_color(io.StringIO())
        False
    """
    import sys

    stream = stream if stream is not None else sys.stdout
    return bool(getattr(stream, "isatty", lambda: False)()) and not os.environ.get("NO_COLOR")


def render(markdown: str, *, color: bool = False, width: int | None = None) -> str:
    """The terminal text of ``markdown`` (the guide's subset), wrapped to ``width`` columns.

    Args:
        markdown: the text of a card (paragraphs, lists, tables, inline styles, links).
        color: use ANSI styles for bold, italic and code; without, code keeps its backticks.
        width: the wrap width (default: the terminal's width, at most 100).

    Returns:
        The rendered text, paragraphs separated by a blank line.

    Example:
        >>> print(render("* **Bronze** - as received\\n* *Silver* - cleaned", width=40))
          • Bronze - as received
          • Silver - cleaned
    """
    width = width or min(shutil.get_terminal_size((100, 24)).columns, 100)
    blocks, out = _blocks(markdown), []
    for kind, lines in blocks:
        if kind == "table":
            out.append("\n".join(_table_row(line, color) for line in lines if not re.match(r"^\|[\s:|-]+\|$", line)))
        elif kind == "list":
            out.append("\n".join(_wrap(_inline(text, color), width, "  • ", "    ") for text in lines))
        else:
            out.append(_wrap(_inline(" ".join(lines), color), width, "", ""))
    return "\n\n".join(out)


def _blocks(markdown: str) -> list[tuple[str, list[str]]]:
    """Paragraphs, lists (one entry per item, continuation lines joined) and tables."""
    blocks: list[tuple[str, list[str]]] = []
    for line in markdown.splitlines():
        stripped = line.strip()
        if not stripped:
            blocks.append(("blank", []))
            continue
        kind = "table" if stripped.startswith("|") else "list" if _ITEM.match(line) else None
        last = blocks[-1] if blocks else ("blank", [])
        if kind == "list":
            if last[0] != "list":
                blocks.append(("list", []))
            blocks[-1][1].append(_ITEM.sub("", line, count=1).strip())
        elif kind == "table":
            if last[0] != "table":
                blocks.append(("table", []))
            blocks[-1][1].append(stripped)
        elif last[0] == "list" and line.startswith(" "):
            last[1][-1] += " " + stripped  # an indented continuation of the last item
        elif last[0] == "paragraph":
            last[1].append(stripped)
        else:
            blocks.append(("paragraph", [stripped]))
    return [b for b in blocks if b[0] != "blank"]


def _inline(text: str, color: bool) -> str:
    codes: list[str] = []

    def keep_code(m):  # code is not styled further (a `*` in code stays)
        codes.append(f"{CODE}{m.group(1)}{RESET}" if color else f"`{m.group(1)}`")
        return f"\x00{len(codes) - 1}\x00"

    text = _CODE.sub(keep_code, text)
    text = _LINK.sub(lambda m: _link(m.group(1), m.group(2), color), text)
    text = _BOLD.sub(lambda m: f"{BOLD}{m.group(1)}{RESET}" if color else m.group(1), text)
    text = _ITALIC.sub(lambda m: f"{ITALIC}{m.group(1)}{RESET}" if color else m.group(1), text)
    return re.sub(r"\x00(\d+)\x00", lambda m: codes[int(m.group(1))], text)


def _link(text: str, target: str, color: bool) -> str:
    if not re.match(r"^[a-z]+://", target):
        target = target[3:] if target.startswith("../") else f"interview_guide/{target}"
    if target.endswith(text.strip("`")):
        return target  # [snippets/x.py](snippets/x.py): the path once, from the repository
    return f"{text} ({DIM}{target}{RESET})" if color else f"{text} ({target})"


def _table_row(line: str, color: bool) -> str:
    cells = [_inline(c.strip(), color) for c in line.strip().strip("|").split("|")]
    return "  " + " | ".join(cells)


def _strip(text: str) -> str:
    return _ANSI.sub("", text)


def _wrap(text: str, width: int, first: str, rest: str) -> str:
    """Greedy word wrap that measures without ANSI codes (a styled word is as wide as its letters)."""
    lines: list[str] = []
    line, empty = first, True
    for word in text.split():
        n = len(_strip(line)) + (0 if empty else 1) + len(_strip(word))
        if not empty and n > width:
            lines.append(line)
            line, empty = rest, True
        line, empty = line + ("" if empty else " ") + word, False
    lines.append(line)
    return "\n".join(lines)
