"""``lakehouse gold build`` and ``lakehouse gold report``: the reference Gold from the reference Silver.

Example:
    $ lakehouse gold build                      # c360_silver.* -> c360_gold.*, then the HTML report
    $ lakehouse gold report --schema spark_catalog.lab08 --layer-prefix
"""

from __future__ import annotations

import argparse

DEFAULT_GOLD = "spark_catalog.c360_gold"
DEFAULT_SILVER = "spark_catalog.c360_silver"


def add_commands(subparsers) -> None:
    """Add the ``gold`` command (actions ``build`` and ``report``) to the ``lakehouse`` CLI.

    Example:
        >>> import argparse
        >>> parser = argparse.ArgumentParser(prog="lakehouse")
        >>> add_commands(parser.add_subparsers(dest="command"))
        >>> parser.parse_args(["gold", "build", "--silver-schema", "spark_catalog.lab08"]).silver_schema
        'spark_catalog.lab08'
    """
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
    from ..paths import lakehouse_home
    from ..session import get_spark
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
