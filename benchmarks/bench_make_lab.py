"""How long a learner waits: `make lab` to lab 00 answering, and lab 00's first Spark cell.

Run from a checkout (a fresh clone measures the bootstrap too):

    python benchmarks/bench_make_lab.py [CHECKOUT] [--wait 30] [--runs 3] [--vs-cold]

Prints: seconds until `make lab` printed the URL, until that URL answered (HTTP 200 for the
notebook), and the wall time of lab 00's setup cell (``lab(...)``, the first Spark cell) run in
the course kernel ``--wait`` seconds after the URL printed (a learner opening the notebook).
`make lab` starts the engine in the background (issue 32: target <= 5 s for that cell on a quiet
machine after ~30 s); ``--vs-cold`` alternates each run with ``LAKEHOUSE_WARM_ENGINE=0`` (the
first notebook starts the engine, as before) and prints medians and the ratio. Uses its own LAKEHOUSE_HOME and workspace under build/bench-make-lab,
stops everything it started. Numbers go to docs/BENCHMARKS.md.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path


def main(checkout: Path, *, wait: float, warm: bool = True) -> float:
    """One `make lab` run; returns the first Spark cell's seconds."""
    out = checkout / "build" / "bench-make-lab"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    env = dict(os.environ, LAKEHOUSE_HOME=str(out / "home"), LAKEHOUSE_WORKSPACE=str(out / "workspace"),
               LAKEHOUSE_WARM_ENGINE="1" if warm else "0")
    t0 = time.monotonic()
    proc = subprocess.Popen(["make", "--no-print-directory", "lab", "LAB_ARGS=--no-browser"], cwd=checkout, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    url = None
    while url is None:
        line = proc.stdout.readline()
        if not line:
            raise SystemExit("make lab ended without a URL")
        found = re.search(r"(http://127\.0\.0\.1:\d+/lab/tree/00_welcome_and_setup\.ipynb\?token=\w+)", line)
        url = found.group(1) if found else None
    t_url = time.monotonic() - t0
    with urllib.request.urlopen(url, timeout=60) as response:
        assert response.status == 200
    t_answer = time.monotonic() - t0
    time.sleep(max(0.0, wait - (time.monotonic() - t0 - t_url)))
    try:
        t_setup = _first_spark_cell(checkout, env, out / "workspace" / "00_welcome_and_setup.ipynb")
    finally:
        os.killpg(proc.pid, signal.SIGINT)
        tail, _ = proc.communicate(timeout=120)
    said = [line for line in tail.splitlines() if "engine" in line.lower()]
    print(f"{'warm' if warm else 'cold'}: make lab -> URL printed: {t_url:.1f} s | lab 00 answering: "
          f"{t_answer:.1f} s | lab 00 setup cell (first Spark cell, {wait:.0f} s after the URL): {t_setup:.1f} s")
    print("  said:", *said)
    return t_setup


def _first_spark_cell(checkout: Path, env: dict, notebook: Path) -> float:
    from jupyter_client.manager import start_new_kernel

    cells = [c for c in json.loads(notebook.read_text())["cells"] if c["cell_type"] == "code"]
    params, setup = "".join(cells[0]["source"]), "".join(cells[1]["source"])
    old = dict(os.environ)
    os.environ.update(env)
    os.environ["JUPYTER_PATH"] = str(checkout / ".venv" / "share" / "jupyter")  # the checkout's kernel
    try:
        km, kc = start_new_kernel(kernel_name="lakehouse", cwd=str(notebook.parent))
    finally:
        os.environ.clear()
        os.environ.update(old)
    try:
        kc.execute_interactive(params, timeout=60)
        started = time.monotonic()
        reply = kc.execute_interactive(setup, timeout=600, output_hook=lambda msg: None)
        took = time.monotonic() - started
        assert reply["content"]["status"] == "ok", reply["content"]
        return took
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


if __name__ == "__main__":
    import argparse
    import statistics

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("checkout", nargs="?", default=str(Path(__file__).resolve().parents[1]))
    ap.add_argument("--wait", type=float, default=30.0, help="seconds after the URL before the first cell")
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--vs-cold", action="store_true", help="alternate with LAKEHOUSE_WARM_ENGINE=0")
    args = ap.parse_args()
    where = Path(args.checkout).resolve()
    warm_s, cold_s = [], []
    for _ in range(args.runs):
        warm_s.append(main(where, wait=args.wait, warm=True))
        if args.vs_cold:
            cold_s.append(main(where, wait=args.wait, warm=False))
    line = f"median first Spark cell: warm {statistics.median(warm_s):.1f} s"
    if cold_s:
        line += (f" | cold {statistics.median(cold_s):.1f} s | warm/cold "
                 f"{statistics.median(warm_s) / statistics.median(cold_s):.2f}")
    print(line, f"({args.runs} run(s) each)")
