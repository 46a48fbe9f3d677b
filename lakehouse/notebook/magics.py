"""The Databricks magics on the course kernel: ``%sql`` / ``%%sql``, ``%run``, and cells whose first
line is a Databricks magic (``%sql``, ``%md``, ``%sh``, ``%fs``, ``%python``, ``%scala``, ``%r``).

IPython cannot register ``%sql`` as a cell magic with a single ``%``, so :func:`first_line_magic`
(an IPython ``input_transformers_cleanup`` step, run before IPython's own parsing) turns a cell
that starts with such a line into one call. What each does here
(https://docs.databricks.com/notebooks/notebooks-code.html#mix-languages):

* ``%sql``: the rest of the cell is Databricks SQL (:mod:`lakehouse.notebook.sqlcell`);
* ``%md`` / ``%md-sandbox``: the rest renders as Markdown;
* ``%python``: the rest runs as Python;
* ``%sh``: the rest runs in a shell (IPython's ``%%sh``);
* ``%fs <command> <args>``: ``dbutils.fs.<command>(<args>)`` (``-r`` = ``recurse=True``);
* ``%scala``, ``%r``: refused by name (the kernel runs Python), with what to do instead.
``%pip`` and ``%conda`` are IPython's own; ``%run`` runs a notebook (:mod:`lakehouse.notebook.run`)
and falls back to IPython's ``%run`` for a plain Python script or options (``%run -i ...``).

Example:
    >>> first_line_magic(["%sql\\n", "SELECT 1\\n"])
    ["get_ipython().run_cell_magic('databricks_cell', 'sql', 'SELECT 1\\\\n')\\n"]
    >>> first_line_magic(["x = 1\\n"])
    ['x = 1\\n']
"""

from __future__ import annotations

import re
import shlex

from IPython.core.magic import Magics, line_cell_magic, line_magic, magics_class

from .errors import UnsupportedMagicError

CELL_MAGICS = ("sql", "md", "md-sandbox", "python", "sh", "fs", "scala", "r")
_FIRST = re.compile(r"^%(" + "|".join(re.escape(m) for m in CELL_MAGICS) + r")(?:[ \t]+(.*))?$")
_INSTEAD = {"scala": "write the cell in Python (spark, dbutils, display are defined) or SQL (%sql)",
            "r": "write the cell in Python (pandas via df.toPandas()) or SQL (%sql)"}


def first_line_magic(lines: list[str]) -> list[str]:
    """IPython input transformer: a cell whose first line is ``%sql`` (or another Databricks magic) as one call."""
    start = 0
    while start < len(lines) and not lines[start].strip():
        start += 1
    if start == len(lines):
        return lines
    match = _FIRST.match(lines[start].rstrip("\r\n"))
    if not match:
        return lines
    magic, rest = match.group(1), (match.group(2) or "").strip()
    body = "".join(lines[start + 1:])
    if magic == "python":
        return [rest + "\n"] + lines[start + 1:] if rest else lines[start + 1:]
    if magic == "sh":
        return ["%%sh\n"] + ([rest + "\n"] if rest else []) + lines[start + 1:]
    line = (magic + " " + rest).strip()
    if not body.strip():  # IPython refuses a cell magic with an empty body
        return [f"get_ipython().run_line_magic('databricks_cell', {line!r})\n"]
    return [f"get_ipython().run_cell_magic('databricks_cell', {line!r}, {body!r})\n"]


def _fs(line: str, dbutils):
    args = shlex.split(line)
    if not args:
        raise UnsupportedMagicError("%fs needs a command, e.g. %fs ls /Volumes/...",
                                    fix="use ls, head, cp, mv, rm, mkdirs or put (as in dbutils.fs).")
    command, rest = args[0], args[1:]
    recurse = "-r" in rest
    rest = [a for a in rest if a != "-r"]
    if not hasattr(dbutils.fs, command) or command.startswith("_"):
        raise UnsupportedMagicError(f"%fs {command}: dbutils.fs has no command {command!r} here.",
                                    fix="use ls, head, cp, mv, rm, mkdirs or put.")
    return getattr(dbutils.fs, command)(*rest, **({"recurse": True} if recurse else {}))


@magics_class
class DatabricksMagics(Magics):
    """``%sql``, ``%%sql``, ``%run``, the first-line cell magics and the refused ones."""

    def __init__(self, shell, ipython_run=None):
        super().__init__(shell)
        self._ipython_run = ipython_run

    def _spark(self):
        from pyspark.sql import SparkSession

        spark = self.shell.user_ns.get("spark")
        if not isinstance(spark, SparkSession):
            from ..runtime.session import get_spark

            spark = get_spark()
        return spark

    @line_cell_magic
    def sql(self, line: str, cell: str | None = None):
        """Run Databricks SQL (``%sql SELECT ...`` or a ``%%sql`` cell); show the last result; bind ``_sqldf``."""
        from ..display import display
        from .sqlcell import run_sql

        text = line if cell is None else (line + "\n" + cell if line.strip() else cell)
        run_sql(text, spark=self._spark(), namespace=self.shell.user_ns, show=display)

    @line_cell_magic
    def databricks_cell(self, line: str, cell: str | None = None):
        """A cell whose first line is a Databricks magic (see the module docstring); ``line`` is that magic."""
        magic, _, rest = line.partition(" ")
        cell = cell or ""
        if magic == "sql":
            return self.sql(rest, cell or None)
        if magic in ("md", "md-sandbox"):
            from IPython.display import Markdown, display

            display(Markdown((rest + "\n" + cell).strip()))
            return None
        if magic == "fs":
            return _fs(rest if rest.strip() else cell.strip(), self.shell.user_ns.get("dbutils"))
        raise UnsupportedMagicError(f"%{magic}: the course kernel runs Python; %{magic} cells run on Databricks only.",
                                    fix=_INSTEAD[magic] + ".")

    @line_magic
    def scala(self, line: str):
        """Refused: the kernel runs Python."""
        self.databricks_cell("scala", line)

    @line_magic
    def r(self, line: str):
        """Refused: the kernel runs Python."""
        self.databricks_cell("r", line)

    @line_magic
    def fs(self, line: str):
        """``%fs ls /path``: ``dbutils.fs.ls("/path")``."""
        return _fs(line, self.shell.user_ns.get("dbutils"))

    @line_magic
    def run(self, line: str):
        """``%run ./notebook``: run a notebook (``.ipynb`` or source ``.py``, extension optional) in this namespace."""
        from .run import find_notebook, notebook_dir, run_notebook
        from .errors import NotebookNotFoundError

        args = shlex.split(line)
        if self._ipython_run is not None and args and (args[0].startswith("-") or args[0].endswith(".py")):
            try:
                find_notebook(args[0], notebook_dir(self.shell.user_ns))
            except NotebookNotFoundError:
                return self._ipython_run(line)  # options, or a plain Python script: IPython's %run
        run_notebook(line, self.shell)
        return None
