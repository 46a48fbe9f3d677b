"""`make pipeline SCALE=1` at two commits, one after the other on this machine: the C360 pipeline
before and after a change of its form (issue 30: `from pyspark import pipelines as dp`, no
`lakehouse` import in the pipeline files, Auto Loader schema locations managed by the pipeline).

Each side is the repository at a commit, unpacked with `git archive` into build/bench-pipeline-forms/
and imported from there (PYTHONPATH) by this checkout's .venv, with this checkout's jar cache
(LAKEHOUSE_JARS) and a LAKEHOUSE_HOME of its own, new for each run: the side's engine is started
(`lakehouse engine start`), then `lakehouse c360 pipeline --scale S` runs as `make pipeline` runs it
and is timed from outside, then the engine is stopped. The data set is generated once, before the
runs, by the side run first, and shared by both (`<home>/datasets` is a link to it), so each run
lands the same files and runs one full update plus the Gold step; generation is in no run's time.
The sides alternate (before, after, before, after ...); the load average is read before each run.

Usage:
    .venv/bin/python benchmarks/bench_pipeline_forms.py --before 6809a47 [--after HEAD] [--scale 1] [--runs 1]

Prints one line per run (wall seconds; the phases `make pipeline` prints: landing, update, Gold)
and the medians with the after/before ratio; writes build/bench-pipeline-forms/results.json.
Numbers go to docs/BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "build" / "bench-pipeline-forms"
PHASES = {"landing": r"landed \d+ new batches \((\d+) s\)", "gold": r"gold \((\d+) s\)",
          "total_printed": r"make pipeline done in (\d+) s"}


def unpack(commit: str) -> tuple[str, Path]:
    """The tree of ``commit`` under OUT/<sha>; returns (short sha, folder)."""
    sha = subprocess.run(["git", "rev-parse", "--short", commit], cwd=REPO, check=True, capture_output=True,
                         text=True).stdout.strip()
    tree = OUT / f"tree-{sha}"
    if not (tree / "lakehouse").is_dir():
        shutil.rmtree(tree, ignore_errors=True)
        tree.mkdir(parents=True)
        archive = subprocess.run(["git", "archive", sha], cwd=REPO, check=True, capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", str(tree)], input=archive, check=True)
    return sha, tree


def side_env(tree: Path, home: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("SPARK_REMOTE", "SPARK_CONNECT_MODE_ENABLED")}
    env.update(PYTHONPATH=str(tree), LAKEHOUSE_HOME=str(home), LAKEHOUSE_JARS=str(REPO / ".jars"))
    return env


def lakehouse(env: dict, *args: str, capture: bool = False) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "lakehouse.cli", *args], env=env, cwd=OUT, text=True,
                          capture_output=capture, check=False)


def generate(tree: Path, scale: float, seed: int) -> Path:
    """The shared data set (made once, with the first side's generator)."""
    data = OUT / "datasets" / f"scale-{scale:g}-seed-{seed}"
    if not (data / "_manifest.json").is_file():
        code = (f"from lakehouse.datagen import generate; generate({str(data)!r}, scale={scale}, seed={seed}, "
                "progress=False)")
        subprocess.run([sys.executable, "-c", code], env=side_env(tree, OUT / "gen-home"), check=True)
    return data.parent


def one_run(label: str, sha: str, tree: Path, datasets: Path, scale: float, n: int) -> dict:
    home = OUT / f"home-{sha}-{n}"
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir(parents=True)
    (home / "datasets").symlink_to(datasets)
    env = side_env(tree, home)
    load = os.getloadavg()
    t0 = time.monotonic()
    started = lakehouse(env, "engine", "start", capture=True)
    t1 = time.monotonic()
    if started.returncode != 0:
        raise SystemExit(f"{label}: engine start failed:\n{started.stdout}{started.stderr}")
    try:
        run = lakehouse(env, "c360", "pipeline", "--scale", f"{scale:g}", capture=True)
        t2 = time.monotonic()
    finally:
        lakehouse(env, "engine", "stop", capture=True)
    (OUT / f"{label}-{n}.log").write_text(run.stdout + run.stderr)
    if run.returncode != 0:
        raise SystemExit(f"{label}: `lakehouse c360 pipeline` failed (exit {run.returncode}); see "
                         f"{OUT / f'{label}-{n}.log'}")
    result = {"side": label, "commit": sha, "run": n, "load_before": [round(x, 2) for x in load],
              "engine_start_s": round(t1 - t0, 1), "pipeline_s": round(t2 - t1, 1)}
    for name, pattern in PHASES.items():
        m = re.search(pattern, run.stdout)
        result[name] = int(m.group(1)) if m else None
    if result["landing"] is not None and result["gold"] is not None:
        result["update_and_summary_s"] = round(result["pipeline_s"] - result["landing"] - result["gold"], 1)
    rows = dict(re.findall(r"^\s+(\S+)\s+([\d,]+) rows \(", run.stdout, re.M))
    result["rows"] = {k: int(v.replace(",", "")) for k, v in rows.items()}
    shutil.rmtree(home, ignore_errors=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", required=True, help="the commit before the change (e.g. the branch point)")
    parser.add_argument("--after", default="HEAD")
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--runs", type=int, default=1, help="runs per side (alternating)")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    sides = [("before", *unpack(args.before)), ("after", *unpack(args.after))]
    datasets = generate(sides[0][2], args.scale, args.seed)
    results = []
    for n in range(args.runs):
        for label, sha, tree in sides:
            r = one_run(label, sha, tree, datasets, args.scale, n)
            results.append(r)
            print(f"{label:<6} {sha} run {n + 1}: {r['pipeline_s']:6.1f} s (landing {r['landing']} s, "
                  f"update + summary {r.get('update_and_summary_s')} s, gold {r['gold']} s; engine start "
                  f"{r['engine_start_s']} s; load {r['load_before']})", flush=True)
    med = {label: statistics.median(r["pipeline_s"] for r in results if r["side"] == label) for label, _, _ in sides}
    same_rows = len({json.dumps(r["rows"], sort_keys=True) for r in results}) == 1
    print(f"median: before {med['before']:.1f} s, after {med['after']:.1f} s, after/before "
          f"{med['after'] / med['before']:.2f}; same rows per table in every run: {same_rows}")
    (OUT / "results.json").write_text(json.dumps({"runs": results, "median": med, "same_rows": same_rows}, indent=2))


if __name__ == "__main__":
    main()
