"""``lakehouse jobs run|validate|next-runs FILE``: Databricks job definitions from the command line.

Example:
    >>> import argparse
    >>> parser = argparse.ArgumentParser(prog="lakehouse")
    >>> add_commands(parser.add_subparsers(dest="command"))
    >>> args = parser.parse_args(["jobs", "run", "job.json", "--param", "a=1", "--param", "b=2"])
    >>> args.param
    ['a=1', 'b=2']
"""

from __future__ import annotations


def add_commands(subparsers) -> None:
    """Add ``jobs run``, ``jobs validate`` and ``jobs next-runs`` to the ``lakehouse`` CLI."""
    p = subparsers.add_parser("jobs", help="run, validate or schedule a Databricks job (JSON or bundle YAML) locally")
    actions = p.add_subparsers(dest="jobs_action", required=True, metavar="{run,validate,next-runs}")
    r = actions.add_parser("run", help="run the job locally; exit code 0 when the run succeeded")
    r.add_argument("file", help="the job: Jobs API 2.2 JSON, databricks.yml (with --job) or a resources/*.job.yml")
    r.add_argument("--job", default=None, metavar="KEY", help="the job's key under resources.jobs (bundle YAML)")
    r.add_argument("--param", action="append", default=[], metavar="NAME=VALUE", help="a job parameter (repeatable)")
    r.add_argument("--output", default=None, help="write the run record (Jobs API Run JSON) here")
    r.set_defaults(func=_cmd_run)
    v = actions.add_parser("validate", help="check the job definition strictly, run nothing")
    v.add_argument("file")
    v.add_argument("--job", default=None, metavar="KEY", help="the job's key under resources.jobs (bundle YAML)")
    v.set_defaults(func=_cmd_validate)
    n = actions.add_parser("next-runs", help="the next fire times of the job's Quartz schedule")
    n.add_argument("file")
    n.add_argument("--job", default=None, metavar="KEY", help="the job's key under resources.jobs (bundle YAML)")
    n.add_argument("--count", type=int, default=5)
    n.set_defaults(func=_cmd_next_runs)


def _cmd_run(args) -> int:
    from .runner import parse_params, run_job, succeeded

    import sys

    try:
        record = run_job(args.file, params=parse_params(args.param), output=args.output, job_key=args.job)
    except KeyboardInterrupt:
        print("run interrupted: its running tasks were stopped", file=sys.stderr)
        return 130
    return 0 if succeeded(record) else 1


def _cmd_validate(args) -> int:
    from .load import load_job

    job = load_job(args.file, args.job)
    print(f"{args.file}: job {job['name']!r} is valid ({len(job['tasks'])} tasks)")
    return 0


def _cmd_next_runs(args) -> int:
    from .errors import ScheduleError
    from .schedule import next_runs
    from .load import load_job

    job = load_job(args.file, args.job)
    if "schedule" not in job:
        raise ScheduleError(f"job {job['name']!r} has no schedule.", fix="add schedule.quartz_cron_expression.")
    s = job["schedule"]
    paused = " (PAUSED: it will not fire until unpaused)" if s.get("pause_status") == "PAUSED" else ""
    print(f"{s['quartz_cron_expression']} in {s['timezone_id']}{paused}:")
    for t in next_runs(s["quartz_cron_expression"], s["timezone_id"], count=args.count):
        print("  " + t.strftime("%a %Y-%m-%d %H:%M:%S %Z"))
    return 0


def lakehouse_command(*args: str) -> int:
    """Run ``lakehouse ARGS`` in a subprocess, print its output as it comes, return its exit code.

    What a notebook uses to show the command line at work (``!lakehouse ...`` needs the virtual
    environment on the kernel's ``PATH``; this uses the kernel's own interpreter).

    Args:
        *args: the command's arguments, e.g. ``"jobs", "validate", "job.json"``.

    Returns:
        The exit code (0 = success).

    Example:
        >>> lakehouse_command("jobs", "validate", "lakehouse/c360/jobs/daily_job.json")   # doctest: +SKIP
        lakehouse/c360/jobs/daily_job.json: job 'c360_daily' is valid (9 tasks)
        0
    """
    import subprocess
    import sys

    proc = subprocess.Popen([sys.executable, "-m", "lakehouse.cli", *map(str, args)], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, bufsize=1)
    for line in proc.stdout:
        print(line, end="", flush=True)
    return proc.wait()
