"""Benchmark: `make test` on a fresh clone, the budget every new lab is held to.

Clones the repository (a commit of your choice) into a temporary folder, runs the README's test
command there as CI does (``CI=true make test``: venv, package, jars, then pytest with one shared
engine), and reports from pytest's junit report:

* the whole run's wall time and the pytest part (the junit suite's time);
* per lab: the lab run and the solution run, in seconds (test properties ``lab_s`` /
  ``solution_s`` written by ``tests/test_notebooks.py``; for commits before those existed, the
  time of the papermill test and of the lab's nbval cells);
* the 15 slowest tests.

``--vs REF`` runs a second commit right after each run of the first, so a before/after pair
shares the machine's conditions; ``--runs N`` repeats and reports medians. Never a timed test:
targets live in docs/BENCHMARKS.md.

Usage:
    .venv/bin/python benchmarks/bench_make_test.py [--ref HEAD] [--vs 60ffa32] [--runs 2] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import tempfile
import time
import xml.etree.ElementTree as ET
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
REPORT = "build/test-report.xml"


def run_once(ref: str, workdir: Path) -> dict:
    """Clone ``ref`` into ``workdir``, run ``make test``, return the timings."""
    clone = workdir / "p"
    subprocess.run(["git", "clone", "-q", str(REPO), str(clone)], check=True)
    subprocess.run(["git", "-C", str(clone), "checkout", "-q", ref], check=True)
    env = dict(os.environ, CI="true",
               PYTEST_ARGS=f"--junitxml={REPORT} -o junit_family=xunit1")
    for key in ("LAKEHOUSE_HOME", "LAKEHOUSE_TEST_HOME", "VIRTUAL_ENV"):
        env.pop(key, None)
    start = time.monotonic()
    proc = subprocess.run(["make", "test"], cwd=clone, env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True)
    wall = time.monotonic() - start
    (workdir / "make-test.log").write_text(proc.stdout)
    summary = [line for line in proc.stdout.splitlines() if re.search(r"\d+ (passed|failed)", line)]
    result = {"ref": ref, "commit": _commit(clone), "returncode": proc.returncode, "wall_s": round(wall, 1),
              "summary": summary[-1].strip("= ") if summary else "(no pytest summary)"}
    report = clone / REPORT
    if report.is_file():
        result.update(parse_report(report))
    return result


def _commit(clone: Path) -> str:
    return subprocess.run(["git", "-C", str(clone), "rev-parse", "--short", "HEAD"], capture_output=True,
                          text=True).stdout.strip()


def parse_report(path: Path) -> dict:
    """Pytest time, per-lab seconds and the slowest tests from a junit report."""
    root = ET.parse(path).getroot()
    suite = root if root.tag == "testsuite" else root.find("testsuite")
    labs: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    tests = []
    for case in suite.iter("testcase"):
        seconds = float(case.get("time", 0))
        name = f"{case.get('classname', '')}::{case.get('name', '')}"
        tests.append((seconds, name))
        props = {p.get("name"): float(p.get("value")) for p in case.iter("property")}
        number = re.search(r"\b(\d\d)_[a-z_0-9]+", name)
        if "lab_s" in props:
            labs[number.group(1)]["lab"] += props["lab_s"]
            labs[number.group(1)]["solution"] += props["solution_s"]
        elif number and "test_solution_runs_twice" in name:  # before tests/test_notebooks.py was split
            labs[number.group(1)]["solution"] += seconds
        elif number and ".ipynb" in name:  # nbval: one test case per cell
            labs[number.group(1)]["lab"] += seconds
    tests.sort(reverse=True)
    return {"pytest_s": round(float(suite.get("time", 0)), 1), "tests": len(tests),
            "labs": {k: {kk: round(vv, 1) for kk, vv in v.items()} for k, v in sorted(labs.items())},
            "slowest": [{"s": round(s, 1), "test": n} for s, n in tests[:15]]}


def _median_report(runs: list[dict]) -> dict:
    ok = [r for r in runs if "pytest_s" in r]
    out = {"ref": runs[0]["ref"], "commit": runs[0]["commit"], "runs": len(runs),
           "returncodes": [r["returncode"] for r in runs], "summary": runs[-1]["summary"],
           "wall_s": [r["wall_s"] for r in runs], "wall_median_s": statistics.median(r["wall_s"] for r in runs)}
    if ok:
        out["pytest_s"] = [r["pytest_s"] for r in ok]
        out["pytest_median_s"] = statistics.median(r["pytest_s"] for r in ok)
        out["tests"] = ok[-1]["tests"]
        labs = sorted({k for r in ok for k in r["labs"]})
        out["labs"] = {k: {part: statistics.median(r["labs"].get(k, {}).get(part, 0.0) for r in ok)
                           for part in ("lab", "solution")} for k in labs}
        out["slowest"] = ok[-1]["slowest"]
    return out


def _print(report: dict) -> None:
    print(f"\n== {report['ref']} ({report['commit']}): {report['summary']}")
    print(f"   whole make test: {report['wall_s']} s (median {report['wall_median_s']:.0f} s)")
    if "pytest_s" in report:
        print(f"   pytest part:     {report['pytest_s']} s (median {report['pytest_median_s']:.0f} s), "
              f"{report['tests']} test cases")
        print("   lab | lab run s | solution run s | pair s")
        for k, v in report["labs"].items():
            print(f"   {k}  | {v['lab']:9.1f} | {v['solution']:14.1f} | {v['lab'] + v['solution']:6.1f}")
        print("   slowest tests:")
        for t in report["slowest"]:
            print(f"   {t['s']:7.1f} s  {t['test']}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ref", default="HEAD", help="commit to measure (default HEAD)")
    parser.add_argument("--vs", help="a second commit, run after each run of --ref (before/after)")
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--json", help="write the reports here too")
    parser.add_argument("--keep", action="store_true", help="keep the clones (in the temp folder)")
    args = parser.parse_args(argv)

    refs = [args.ref] + ([args.vs] if args.vs else [])
    results: dict[str, list[dict]] = {ref: [] for ref in refs}
    for run in range(args.runs):
        for ref in refs:
            workdir = Path(tempfile.mkdtemp(prefix="bench-make-test-"))
            print(f"run {run + 1}/{args.runs}: {ref} in {workdir} ...", flush=True)
            result = run_once(ref, workdir)
            results[ref].append(result)
            print(f"   {result['summary']} | wall {result['wall_s']} s | pytest {result.get('pytest_s')} s",
                  flush=True)
            if not args.keep:
                _stop_engine(workdir / "p")
                shutil.rmtree(workdir, ignore_errors=True)
    reports = [_median_report(results[ref]) for ref in refs]
    for report in reports:
        _print(report)
    if args.vs and "pytest_median_s" in reports[0] and "pytest_median_s" in reports[1]:
        ratio = reports[0]["pytest_median_s"] / reports[1]["pytest_median_s"]
        print(f"\npytest part, {args.ref} / {args.vs}: {ratio:.2f}")
    if args.json:
        Path(args.json).write_text(json.dumps(reports, indent=2))
    return 0 if all(r["returncode"] == 0 for rs in results.values() for r in rs) else 1


def _stop_engine(clone: Path) -> None:
    lakehouse = clone / ".venv" / "bin" / "lakehouse"
    if lakehouse.exists():
        subprocess.run([str(lakehouse), "engine", "stop"], env=dict(
            os.environ, LAKEHOUSE_HOME=str(clone / "build" / "test-home")), capture_output=True)


if __name__ == "__main__":
    raise SystemExit(main())
