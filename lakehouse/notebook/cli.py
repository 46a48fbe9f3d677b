"""``lakehouse notebooks import|run``: Databricks notebooks in source format, from the command line.

Example:
    >>> import argparse
    >>> parser = argparse.ArgumentParser(prog="lakehouse")
    >>> add_commands(parser.add_subparsers(dest="command"))
    >>> args = parser.parse_args(["notebooks", "run", "nb.py", "-p", "day", "2026-01-02"])
    >>> args.param
    [['day', '2026-01-02']]
"""

from __future__ import annotations

import sys
from pathlib import Path


def add_commands(subparsers) -> None:
    """Add ``notebooks import`` and ``notebooks run`` to the ``lakehouse`` CLI."""
    p = subparsers.add_parser("notebooks", help="import Databricks source-format notebooks; run a notebook")
    actions = p.add_subparsers(dest="notebooks_action", required=True, metavar="{import,run}")
    i = actions.add_parser("import", help="write X.ipynb next to each source-format X.py (a file or a folder)")
    i.add_argument("path")
    i.set_defaults(func=_cmd_import)
    r = actions.add_parser("run", help="run an .ipynb or a source-format .py with papermill on the course kernel")
    r.add_argument("file")
    r.add_argument("-p", "--param", nargs=2, action="append", default=[], metavar=("NAME", "VALUE"),
                   help="a widget value (repeatable): dbutils.widgets.get(NAME) returns VALUE")
    r.add_argument("-o", "--output", default=None,
                   help="the executed notebook (default: LAKEHOUSE_HOME/notebooks/<name>.ipynb)")
    r.set_defaults(func=_cmd_run)


def _cmd_import(args) -> int:
    from .source import import_notebooks

    written = import_notebooks(args.path)
    for path in written:
        print(path)
    print(f"{len(written)} notebook(s) imported")
    return 0


def _cmd_run(args) -> int:
    from papermill.exceptions import PapermillExecutionError

    from ..runtime.paths import lakehouse_home
    from .execute import execute_notebook

    output = Path(args.output) if args.output else lakehouse_home() / "notebooks" / (Path(args.file).stem + ".ipynb")
    try:
        execute_notebook(args.file, output, parameters=dict(args.param), log_output=True)
    except PapermillExecutionError as exc:
        print(f"{args.file}: cell {exc.exec_count} failed: {exc.ename}: {exc.evalue.splitlines()[0] if exc.evalue else ''}"
              f" (executed notebook: {output})", file=sys.stderr)
        return 1
    print(f"{args.file}: ran; executed notebook: {output}")
    return 0
