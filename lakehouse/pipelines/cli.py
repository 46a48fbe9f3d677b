"""``lakehouse pipelines run|dry-run --spec PATH``: the local runner from the command line.

Example:
    >>> import argparse
    >>> parser = argparse.ArgumentParser(prog="lakehouse")
    >>> add_commands(parser.add_subparsers(dest="command"))
    >>> args = parser.parse_args(["pipelines", "run", "--spec", "p.yml", "--full-refresh", "a,b"])
    >>> args.full_refresh
    'a,b'
"""

from __future__ import annotations


def add_commands(subparsers) -> None:
    """Add ``pipelines run`` and ``pipelines dry-run`` to the ``lakehouse`` CLI."""
    p = subparsers.add_parser("pipelines", help="run a declarative pipeline (spark-pipeline.yml) locally")
    actions = p.add_subparsers(dest="pipelines_action", required=True, metavar="{run,dry-run}")
    r = actions.add_parser("run", help="run one update of the pipeline")
    r.add_argument("--spec", default="spark-pipeline.yml", help="the spark-pipeline.yml (or its folder)")
    g = r.add_mutually_exclusive_group()
    g.add_argument("--full-refresh-all", action="store_true", help="drop and rebuild every table")
    g.add_argument("--full-refresh", default=None, help="tables to drop and rebuild: a,b")
    r.add_argument("--refresh", default=None, help="only update these tables: a,b")
    r.set_defaults(func=_cmd_run)
    d = actions.add_parser("dry-run", help="load and validate the pipeline, write nothing")
    d.add_argument("--spec", default="spark-pipeline.yml", help="the spark-pipeline.yml (or its folder)")
    d.set_defaults(func=_cmd_dry_run)


def _names(text):
    return [n.strip() for n in text.split(",") if n.strip()] if text else None


def _cmd_run(args) -> int:
    from .runner import run

    full = True if args.full_refresh_all else _names(args.full_refresh) or False
    result = run(args.spec, full_refresh=full, refresh=_names(args.refresh))
    return 0 if result.state == "COMPLETED" else 1


def _cmd_dry_run(args) -> int:
    from .runner import dry_run

    dry_run(args.spec)
    return 0
