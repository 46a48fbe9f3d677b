"""``lakehouse c360 pipeline [--scale S]``: what ``make pipeline`` runs.

Example:
    >>> import argparse
    >>> parser = argparse.ArgumentParser(prog="lakehouse")
    >>> add_commands(parser.add_subparsers(dest="command"))
    >>> parser.parse_args(["c360", "pipeline", "--scale", "0.1"]).scale
    0.1
"""

from __future__ import annotations


def add_commands(subparsers) -> None:
    """Add ``c360 pipeline`` to the ``lakehouse`` CLI."""
    p = subparsers.add_parser("c360", help="the Customer 360 reference implementation")
    actions = p.add_subparsers(dest="c360_action", required=True, metavar="{pipeline}")
    r = actions.add_parser("pipeline", help="generate and land the data, run the C360 pipeline, print a summary")
    r.add_argument("--scale", type=float, default=1.0, help="data set size (1 = 10k customers, 500k transactions)")
    r.add_argument("--full-refresh-all", action="store_true", help="rebuild every table")
    r.set_defaults(func=_cmd_pipeline)


def _cmd_pipeline(args) -> int:
    from .pipeline import run_c360

    result = run_c360(scale=args.scale, full_refresh=args.full_refresh_all)
    return 0 if result.state == "COMPLETED" else 1
