"""``lakehouse c360 pipeline`` (what ``make pipeline`` runs) and ``lakehouse gold build|report``.

Example:
    >>> import argparse
    >>> parser = argparse.ArgumentParser(prog="lakehouse")
    >>> add_commands(parser.add_subparsers(dest="command"))
    >>> parser.parse_args(["c360", "pipeline", "--scale", "0.1"]).scale
    0.1
    >>> parser.parse_args(["gold", "build", "--silver-schema", "spark_catalog.lab08"]).silver_schema
    'spark_catalog.lab08'
"""

from __future__ import annotations

import argparse

DEFAULT_GOLD = "spark_catalog.c360_gold"
DEFAULT_SILVER = "spark_catalog.c360_silver"


def add_commands(subparsers) -> None:
    """Add ``c360 pipeline`` and ``gold build|report`` to the ``lakehouse`` CLI."""
    p = subparsers.add_parser("c360", help="the Customer 360 reference implementation")
    actions = p.add_subparsers(dest="c360_action", required=True, metavar="{pipeline}")
    r = actions.add_parser("pipeline", help="generate and land the data, run the C360 pipeline, print a summary")
    r.add_argument("--scale", type=float, default=1.0, help="data set size (1 = 10k customers, 500k transactions)")
    r.add_argument("--full-refresh-all", action="store_true", help="rebuild every table")
    r.set_defaults(func=_cmd_pipeline)
    _add_gold(subparsers)


def _cmd_pipeline(args) -> int:
    from .pipeline import run_c360

    result = run_c360(scale=args.scale, full_refresh=args.full_refresh_all)
    return 0 if result.state == "COMPLETED" else 1


def _add_gold(subparsers) -> None:
    """The ``gold`` command (actions ``build`` and ``report``)."""
    gold = subparsers.add_parser("gold", help="build the Gold tables from Silver; write the HTML report")
    actions = gold.add_subparsers(dest="gold_action", required=True, metavar="{build,report}")
    for name, text in (("build", "rebuild the Gold tables (a full refresh), then write the report"),
                       ("report", "write the HTML report of existing Gold tables")):
        p = actions.add_parser(name, help=text)
        p.add_argument("--schema", default=DEFAULT_GOLD, help=f"the Gold schema (default {DEFAULT_GOLD})")
        p.add_argument("--layer-prefix", action="store_true",
                       help="tables named silver_* / gold_* (a lab's schema) instead of customers / customer_360")
        p.add_argument("--out", default=None, help="the report's folder (default LAKEHOUSE_HOME/reports)")
        if name == "build":
            p.add_argument("--silver-schema", default=DEFAULT_SILVER, help=f"the Silver schema (default {DEFAULT_SILVER})")
            p.add_argument("--no-report", action="store_true", help="build the tables only")
        p.set_defaults(func=_cmd_gold)


def _cmd_gold(args: argparse.Namespace) -> int:
    from ..runtime.paths import lakehouse_home
    from ..runtime.session import get_spark
    from . import gold
    from .report import write_report

    spark = get_spark()
    if args.gold_action == "build":
        spark.sql(f"CREATE SCHEMA IF NOT EXISTS {args.schema}")
        counts = gold.build(spark, args.schema, silver_schema=args.silver_schema, layer_prefix=args.layer_prefix)
        print("gold tables: " + ", ".join(f"{args.schema}.{t} {counts[k]:,} rows"
                                          for k, t in gold.table_names(layer_prefix=args.layer_prefix).items()))
        if args.no_report:
            return 0
    path = write_report(spark, args.schema, args.out or lakehouse_home() / "reports", layer_prefix=args.layer_prefix)
    print(f"report: {path}")
    return 0
