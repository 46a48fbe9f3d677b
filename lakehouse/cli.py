"""The ``lakehouse`` command line.

Commands: ``doctor``, ``engine start|stop|status|restart``, ``jars``, ``labs`` (write
``labs/`` from ``solutions/``; ``labs sync`` / ``labs reset NN`` for the learner workspace),
``lab`` (JupyterLab on the workspace, what ``make lab`` runs), and the commands other modules
add (``data ...``, ``gold ...``, ``jobs ...``, ``notebooks import|run``, ``cluster up|down|status``, ``quiz``,
``exam``).

Example:
    $ lakehouse doctor
    $ lakehouse engine status
"""

from __future__ import annotations

import argparse
import sys

from .errors import LakehouseError
from .course.errors import LabError


def _cmd_doctor(args) -> int:
    from .runtime.doctor import run_doctor

    return 0 if run_doctor(verbose=True).ok else 1


def _cmd_engine(args) -> int:
    from .runtime.engine import engine_status, start_engine, stop_engine

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
    from .runtime.jars import fetch_jars

    jars = fetch_jars()
    print(f"Delta jars ready: {len(jars)} files in {jars[0].parent}")
    return 0


def _cmd_labs(args) -> int:
    from .course.labgen import write_labs
    from .course.workspace import reset_notebook, sync_workspace

    if args.action == "reset":
        if not args.lab:
            raise LabError("`lakehouse labs reset` needs the lab's number.", fix="e.g. `lakehouse labs reset 02`.")
        backup = reset_notebook(args.lab)
        print(f"your copy is saved as {backup}" if backup else "there was no copy of this lab in the workspace")
        print("the lab starts over from labs/ (restart its kernel in JupyterLab, or reload the page)")
        return 0
    if args.action == "sync":
        report = sync_workspace()
        print(f"workspace {report.workspace}: {len(report.copied)} new lab(s) copied in"
              + (f" ({', '.join(report.copied)})" if report.copied else "")
              + f", {len(report.kept)} of yours left as they are")
        return 0
    changed = write_labs(check=args.check)
    if args.check and changed:
        print("labs/ is out of date for: " + ", ".join(changed) + " (run `make labs`)", file=sys.stderr)
        return 1
    print(f"labs/ up to date ({len(changed)} written)" if not args.check else "labs/ is up to date")
    return 0


def _cmd_lab(args) -> int:
    from .course.launcher import run_lab

    return run_lab(open_browser=not args.no_browser, port=args.port, warm=False if args.no_engine else None)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (each module with commands adds its own sub-commands)."""
    parser = argparse.ArgumentParser(prog="lakehouse", description="Customer 360 Lakehouse Lab")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("doctor", help="check Java, versions, jars, kernel, disk").set_defaults(func=_cmd_doctor)
    p = sub.add_parser("engine", help="the shared local Spark engine")
    p.add_argument("action", choices=["start", "stop", "status", "restart"])
    p.set_defaults(func=_cmd_engine)
    sub.add_parser("jars", help="fetch the Delta jars into the local cache").set_defaults(func=_cmd_jars)
    p = sub.add_parser("labs", help="write labs/ from solutions/; sync or reset the learner workspace")
    p.add_argument("action", nargs="?", choices=["write", "sync", "reset"], default="write",
                   help="write labs/ (default); sync: copy new labs into workspace/; reset NN: start a lab over")
    p.add_argument("lab", nargs="?", help="the lab to reset (NN)")
    p.add_argument("--check", action="store_true", help="only check that labs/ is up to date")
    p.set_defaults(func=_cmd_labs)
    p = sub.add_parser("lab", help="JupyterLab on the learner workspace, opened at lab 00 (what `make lab` runs)")
    p.add_argument("--no-browser", action="store_true", help="print the URL, do not open a browser")
    p.add_argument("--no-engine", action="store_true",
                   help="do not start the Spark engine in the background (the first notebook starts it)")
    p.add_argument("--port", type=int, default=None, help="the port (default: the first free from 8888)")
    p.set_defaults(func=_cmd_lab)
    for add_commands in _extensions():
        add_commands(sub)
    return parser


def _extensions():
    """``add_commands(subparsers)`` functions of modules that bring their own commands."""
    from .c360.cli import add_commands as c360_commands
    from .runtime.cluster import add_commands as cluster_commands
    from .course.quiz import add_commands as quiz_commands  # issue 19: the interview-guide quiz
    from .course.exam.cli import add_commands as exam_commands  # issue 33: the timed practice exam
    from .course.scoreboard import add_commands as grade_commands  # issue 19: lakehouse grade
    from .datagen.cli import add_commands as data_commands
    from .pipelines.cli import add_commands as pipeline_commands
    from .jobs.cli import add_commands as jobs_commands
    from .notebook.cli import add_commands as notebook_commands  # issue 31: notebooks import|run

    return [data_commands, pipeline_commands, c360_commands, jobs_commands, cluster_commands, quiz_commands,
            exam_commands, grade_commands, notebook_commands]


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; errors of the package print one line (code and fix) and exit 2."""
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except LakehouseError as exc:
        print(f"error [{exc.code}]: {str(exc).removeprefix(f'[{exc.code}] ')}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
