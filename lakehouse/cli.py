"""The ``lakehouse`` command line.

Commands: ``doctor``, ``engine start|stop|status|restart``, ``jars``, ``labs`` (write
``labs/`` from ``solutions/``), and the commands other modules add (``data ...``).

Example:
    $ lakehouse doctor
    $ lakehouse engine status
"""

from __future__ import annotations

import argparse
import sys

from .errors import LakehouseError


def _cmd_doctor(args) -> int:
    from .doctor import run_doctor

    return 0 if run_doctor(verbose=True).ok else 1


def _cmd_engine(args) -> int:
    from .engine import engine_status, start_engine, stop_engine

    if args.action in ("stop", "restart"):
        print("stopped" if stop_engine() else "no engine was running")
    if args.action in ("start", "restart"):
        st = start_engine()
        print(f"running: pid {st.pid}, port {st.port}, home {st.home}")
    if args.action == "status":
        st = engine_status()
        print(f"running: pid {st.pid}, port {st.port}, home {st.home}" if st.running
              else f"not running (home {st.home})")
    return 0


def _cmd_jars(args) -> int:
    from .jars import fetch_jars

    jars = fetch_jars()
    print(f"Delta jars ready: {len(jars)} files in {jars[0].parent}")
    return 0


def _cmd_labs(args) -> int:
    from .course.labgen import write_labs

    changed = write_labs(check=args.check)
    if args.check and changed:
        print("labs/ is out of date for: " + ", ".join(changed) + " (run `make labs`)", file=sys.stderr)
        return 1
    print(f"labs/ up to date ({len(changed)} written)" if not args.check else "labs/ is up to date")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (each module with commands adds its own sub-commands)."""
    parser = argparse.ArgumentParser(prog="lakehouse", description="Customer 360 Lakehouse Lab")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("doctor", help="check Java, versions, jars, kernel, disk").set_defaults(func=_cmd_doctor)
    p = sub.add_parser("engine", help="the shared local Spark engine")
    p.add_argument("action", choices=["start", "stop", "status", "restart"])
    p.set_defaults(func=_cmd_engine)
    sub.add_parser("jars", help="fetch the Delta jars into the local cache").set_defaults(func=_cmd_jars)
    p = sub.add_parser("labs", help="write labs/ from solutions/")
    p.add_argument("--check", action="store_true", help="only check that labs/ is up to date")
    p.set_defaults(func=_cmd_labs)
    for add_commands in _extensions():
        add_commands(sub)
    return parser


def _extensions():
    """``add_commands(subparsers)`` functions of modules that bring their own commands."""
    from .datagen.cli import add_commands as data_commands

    return [data_commands]


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; errors of the package print one line (code and fix) and exit 2."""
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except LakehouseError as exc:
        print(f"error [{exc.code}]: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
