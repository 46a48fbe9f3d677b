"""``lakehouse data generate`` and ``lakehouse data arrive``.

Example:
    $ lakehouse data generate --scale 1 --seed 42 --out data/landing
    $ lakehouse data arrive --batches 1                  # lands the next batch into data/landing
    $ lakehouse data arrive --batches all --source data/landing --target /tmp/lab02/landing
"""

from __future__ import annotations

import argparse
from pathlib import Path

from .errors import BadArgumentError
from .plan import DEFAULT_BATCHES, DEFAULT_SCALE, DEFAULT_SEED, MAX_SCALE, MIN_SCALE

DEFAULT_OUT = "data/landing"


def add_commands(subparsers) -> None:
    """Add the ``data`` command (actions ``generate`` and ``arrive``) to the ``lakehouse`` CLI.

    Args:
        subparsers: the object ``ArgumentParser.add_subparsers()`` returned.

    Example:
        >>> import argparse
        >>> parser = argparse.ArgumentParser(prog="lakehouse")
        >>> add_commands(parser.add_subparsers(dest="command"))
        >>> parser.parse_args(["data", "generate", "--scale", "0.01"]).scale
        '0.01'
    """
    data = subparsers.add_parser("data", help="generate the synthetic sources and land them batch by batch")
    actions = data.add_subparsers(dest="data_action", required=True, metavar="{generate,arrive}")

    g = actions.add_parser("generate", help="generate every batch of the four sources (Spark-free)",
                           description="Write the staged batches and _manifest.json into --out. Same seed "
                           "and scale give the same records. Land batches with `lakehouse data arrive`.")
    g.add_argument("--scale", default=str(DEFAULT_SCALE),
                   help=f"size multiplier {MIN_SCALE}..{MAX_SCALE}; 1 = 10k customers, 500k transactions, "
                   "1M click events, 20k tickets (default 1)")
    g.add_argument("--seed", default=str(DEFAULT_SEED), help=f"random seed, an integer >= 0 (default {DEFAULT_SEED})")
    g.add_argument("--out", default=DEFAULT_OUT, help=f"output folder (default {DEFAULT_OUT})")
    g.add_argument("--batches", default=str(DEFAULT_BATCHES),
                   help=f"number of arrival batches ('days') over the 180-day timeline (default {DEFAULT_BATCHES})")
    g.add_argument("--no-progress", action="store_true", help="no progress bar")
    g.set_defaults(func=_cmd_generate)

    a = actions.add_parser("arrive", help="land the next batches into a landing folder",
                           description="Land the next --batches batches that --target has not received yet: "
                           "files appear atomically (write, then rename); ticket changes are committed "
                           "to the Delta table <target>/support_tickets (needs the Spark engine).")
    a.add_argument("--batches", default="1", help="how many batches to land, or 'all' (default 1)")
    a.add_argument("--source", default=DEFAULT_OUT, help=f"the generated folder (default {DEFAULT_OUT})")
    a.add_argument("--target", default=None, help="the landing folder (default: the --source folder)")
    a.set_defaults(func=_cmd_arrive)


def _number(text: str, flag: str, kind):
    try:
        return kind(text)
    except ValueError:
        what = "an integer" if kind is int else "a number"
        raise BadArgumentError(f"{flag} {text!r} is not {what}.", fix=f"e.g. {flag} {1 if kind is int else 0.5}.") from None


def _cmd_generate(args: argparse.Namespace) -> int:
    from .generator import generate
    from .manifest import BATCHES, MANIFEST_NAME

    out = Path(args.out)
    existed = (out / MANIFEST_NAME).is_file() and (out / BATCHES).is_dir()
    manifest = generate(out, scale=_number(args.scale, "--scale", float), seed=_number(args.seed, "--seed", int),
                        batches=_number(args.batches, "--batches", int), progress=not args.no_progress)
    totals = manifest["totals"]
    if existed:
        print(f"{out} already holds this data set (seed {manifest['seed']}, scale {manifest['scale']}, "
              f"{manifest['num_batches']} batches): nothing to do.")
    else:
        print(f"Generated seed {manifest['seed']}, scale {manifest['scale']}: {manifest['num_batches']} batches in "
              f"{out / BATCHES} - crm {totals['crm']['rows']} rows, transactions {totals['transactions']['rows']}, "
              f"clickstream {totals['clickstream']['rows']}, support_tickets {totals['support_tickets']['rows']} "
              f"changes; manifest {out / MANIFEST_NAME}.")
        print(f"Land them with: lakehouse data arrive --source {out} --batches 1")
    return 0


def _cmd_arrive(args: argparse.Namespace) -> int:
    from .arrival import arrive

    batches = "all" if args.batches.strip().lower() == "all" else _number(args.batches, "--batches", int)
    target = args.target if args.target is not None else args.source
    arrive(args.source, target, batches=batches, verbose=True)
    return 0
