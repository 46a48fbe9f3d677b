"""``lakehouse grade`` / ``make grade``: run the learner's labs and print a scoreboard per lab and exercise.

For each lab asked (default: every lab of the course map), :func:`grade`

1. takes the learner's copy ``workspace/NN_topic.ipynb`` (never ``labs/`` or ``solutions/``); a
   lab with no copy is *not started* and scores 0 without running;
2. runs it top to bottom with papermill on the ``lakehouse`` kernel, from a clean slate
   (``RESET=True`` rebuilds that lab's own schema and folders, nothing else) and with lax
   grading: a failed check prints its nudge and catches up, so the run goes on — the way
   Databricks Academy's validation suites grade a lab;
3. reads what the lab's checks recorded (``LAKEHOUSE_GRADES_DIR``, see
   :meth:`lakehouse.grading.Grader.record`); a check that never ran (the notebook stopped on an
   error) scores 0, and the lab says which cell stopped it and why, in one line.

Points come from exercises only (checks with a TODO number); an untouched lab scores 0 and the
solution full marks (``tests/test_notebooks.py`` proves both on every lab). The scoreboard goes
to the terminal and to ``LAKEHOUSE_HOME/grades/scoreboard.html`` (a static page) with
``scoreboard.json`` next to it; the executed notebooks are kept in
``LAKEHOUSE_HOME/grades/notebooks/`` so the learner can read what every check printed.

Example:
    $ make grade                   # every lab
    $ .venv/bin/lakehouse grade 02 03
"""

from __future__ import annotations

import html
import json
import os
import time
from datetime import datetime, timezone
from pathlib import Path

from ..errors import LabError
from ..paths import lakehouse_home
from .catalog import LABS, resolve_lab
from .labs import lab_checks
from .workspace import workspace_dir

CELL_TIMEOUT_S = 900
STATUS_TEXT = {"pass": "PASS", "fail": "FAIL", "not_run": "not run"}


def grade_lab(lab_id: str, *, workspace: Path, out: Path, kernel: str = "lakehouse") -> dict:
    """Run one lab's workspace copy and return its score.

    Args:
        lab_id: ``NN_topic``.
        workspace: the folder with the learner's notebooks.
        out: the grading folder; results go to ``out/results/``, the executed notebook to
            ``out/notebooks/<lab_id>.graded.ipynb``.
        kernel: the Jupyter kernel to run it on.

    Returns:
        ``{"lab", "status": "graded" | "stopped" | "not_started", "points", "max_points",
        "seconds", "stopped_at", "checks": [{"name", "todo", "title", "points", "max_points",
        "status", "message"}]}``; ``stopped_at`` is "cell N (its first line): Error: message" when a cell raised
        (N counts every cell of the notebook from 1).
    """
    import papermill
    from papermill.exceptions import PapermillExecutionError

    checks = lab_checks(lab_id)
    blank = {"lab": lab_id, "points": 0, "max_points": sum(c.points for c in checks),
             "checks": [{"name": c.name, "todo": c.todo, "title": c.title, "points": 0,
                         "max_points": c.points, "status": "not_run", "message": ""} for c in checks]}
    notebook = workspace / f"{lab_id}.ipynb"
    if not notebook.is_file():
        return {**blank, "status": "not_started", "seconds": 0.0, "stopped_at": "", "notebook": ""}
    results = out / "results"
    (results / f"{lab_id}.json").unlink(missing_ok=True)
    (out / "notebooks").mkdir(parents=True, exist_ok=True)
    stopped_at = ""
    start = time.monotonic()
    saved = {k: os.environ.get(k) for k in ("LAKEHOUSE_GRADES_DIR", "LAKEHOUSE_GRADING")}
    os.environ["LAKEHOUSE_GRADES_DIR"] = str(results)  # the kernel inherits it
    os.environ.pop("LAKEHOUSE_GRADING", None)  # lax: a failed check catches up and the lab goes on
    try:
        papermill.execute_notebook(
            str(notebook), str(out / "notebooks" / f"{lab_id}.graded.ipynb"), kernel_name=kernel,
            cwd=str(workspace), parameters={"RESET": True}, execution_timeout=CELL_TIMEOUT_S,
            progress_bar=False, log_output=False)
    except PapermillExecutionError as exc:
        first_line = next((line.strip() for line in (exc.source or "").splitlines() if line.strip()), "")
        stopped_at = (f"cell {exc.cell_index + 1} ({first_line[:60]}): {exc.ename}: "
                      f"{(str(exc.evalue).splitlines() or [''])[0][:200]}")
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    seconds = round(time.monotonic() - start, 1)
    recorded = results / f"{lab_id}.json"
    score = blank
    if recorded.is_file():
        found = {c["name"]: c for c in json.loads(recorded.read_text())["checks"]}
        rows = [found.get(c["name"], c) for c in blank["checks"]]
        score = {**blank, "checks": rows, "points": sum(r["points"] for r in rows)}
    return {**score, "status": "stopped" if stopped_at else "graded", "seconds": seconds,
            "stopped_at": stopped_at, "notebook": str(out / "notebooks" / f"{lab_id}.graded.ipynb")}


def grade(labs: list[str] | None = None, *, workspace: Path | None = None, home: Path | None = None,
          kernel: str = "lakehouse", echo=print) -> dict:
    """Grade the learner's labs and write the scoreboard (JSON and HTML) under ``home/grades``.

    Args:
        labs: lab names or numbers (``["02", "3"]``); default every lab of the course map.
        workspace: the learner's notebooks (default :func:`~lakehouse.course.workspace.workspace_dir`).
        home: where the scoreboard goes (default ``LAKEHOUSE_HOME``).
        kernel: the Jupyter kernel.
        echo: called with one line per lab as it is graded (progress).

    Returns:
        ``{"graded_at", "workspace", "points", "max_points", "labs": [grade_lab(...) ...],
        "html", "json"}``.

    Raises:
        LabError: an unknown lab (``LAB_ERROR``), or a workspace that does not exist.

    Example:
        >>> board = grade(["00"])                     # doctest: +SKIP
        00_welcome_and_setup    3/3  graded in 7.9 s
    """
    lab_ids = [resolve_lab(name) for name in labs] if labs else [f"{n}_{t}" for n, t in LABS.items()]
    folder = workspace or workspace_dir()
    if not folder.is_dir():
        raise LabError(f"the workspace {folder} does not exist.",
                       fix="run `make lab` (or `lakehouse labs sync`) once to copy the labs into it.")
    out = (home or lakehouse_home()) / "grades"
    out.mkdir(parents=True, exist_ok=True)
    scores = []
    for lab_id in lab_ids:
        if (folder / f"{lab_id}.ipynb").is_file():
            echo(f"grading {lab_id} ...")
        score = grade_lab(lab_id, workspace=folder, out=out, kernel=kernel)
        scores.append(score)
        echo(_lab_line(score))
    board = {"graded_at": datetime.now(timezone.utc).isoformat(timespec="seconds"), "workspace": str(folder),
             "points": sum(s["points"] for s in scores), "max_points": sum(s["max_points"] for s in scores),
             "labs": scores}
    board["json"] = str(out / "scoreboard.json")
    board["html"] = str(out / "scoreboard.html")
    Path(board["json"]).write_text(json.dumps(board, indent=1))
    Path(board["html"]).write_text(render_html(board))
    return board


def _how(score: dict) -> str:
    return {"not_started": "not started (no copy in the workspace)",
            "stopped": f"stopped at {score['stopped_at']}",
            "graded": f"graded in {score['seconds']:.1f} s"}[score["status"]]


def _lab_line(score: dict) -> str:
    points = f"{score['points']}/{score['max_points']}"
    return f"{score['lab']:<32} {points:>6}   {_how(score)}"


def _mark(check: dict) -> str:
    """``points/max`` of an exercise, ``-`` for a checkpoint (it carries no points)."""
    return f"{check['points']}/{check['max_points']}" if check["max_points"] else "-"


def render_text(board: dict) -> str:
    """The scoreboard as text: one line per lab, then one per exercise and checkpoint of each run lab.

    Example:
        >>> board = {"points": 1, "max_points": 2, "html": "s.html", "labs": [{"lab": "00_welcome_and_setup",
        ...     "status": "graded", "points": 1, "max_points": 2, "seconds": 3.0, "stopped_at": "",
        ...     "checks": [{"name": "a", "todo": 1, "title": "t", "points": 1, "max_points": 1,
        ...                 "status": "pass", "message": ""},
        ...                {"name": "b", "todo": 2, "title": "u", "points": 0, "max_points": 1,
        ...                 "status": "fail", "message": "b is not set yet"}]}]}
        >>> print(render_text(board))
        lab                              points
        00_welcome_and_setup                1/2   graded in 3.0 s
            TODO 1  a                       1/1   PASS
            TODO 2  b                       0/1   FAIL  b is not set yet
        total                               1/2   (50%)
        scoreboard: s.html
    """
    lines = [f"{'lab':<32} {'points':>6}"]
    for score in board["labs"]:
        lines.append(_lab_line(score))
        if score["status"] == "not_started":
            continue
        for c in score["checks"]:
            tag = f"TODO {c['todo']}" if c["todo"] is not None else "check"
            mark = _mark(c)
            note = f"  {c['message']}" if c["message"] and c["status"] != "pass" else ""
            lines.append(f"    {tag:<7} {c['name']:<20} {mark:>6}   {STATUS_TEXT[c['status']]}{note}")
    share = round(100 * board["points"] / board["max_points"]) if board["max_points"] else 0
    total = f"{board['points']}/{board['max_points']}"
    lines.append(f"{'total':<32} {total:>6}   ({share}%)")
    lines.append(f"scoreboard: {board['html']}")
    return "\n".join(lines)


_CSS = """body{font-family:system-ui,sans-serif;margin:2em;color:#1b1b1b}
table{border-collapse:collapse;margin-bottom:1.5em;min-width:40em}
th,td{border-bottom:1px solid #ddd;padding:.3em .7em;text-align:left}
th{background:#f3f3f3}.pass{color:#17813c;font-weight:600}.fail{color:#b3261e;font-weight:600}
.not_run,.not_started{color:#777}.bar{background:#e6e6e6;width:10em;height:.8em;display:inline-block}
.bar span{background:#17813c;height:100%;display:block}td.num{text-align:right}"""


def render_html(board: dict) -> str:
    """The scoreboard as one static HTML page (no server, no script): a summary table, then one per lab.

    Example:
        >>> "<table" in render_html({"graded_at": "now", "workspace": "w", "points": 0, "max_points": 0,
        ...                          "labs": []})
        True
    """
    esc = html.escape

    def bar(points, total):
        width = round(100 * points / total) if total else 0
        return f'<span class="bar"><span style="width:{width}%"></span></span>'

    parts = [f"<!doctype html><html><head><meta charset='utf-8'><title>Scoreboard</title>"
             f"<style>{_CSS}</style></head><body><h1>Customer 360 Lakehouse Lab: scoreboard</h1>",
             f"<p>{board['points']}/{board['max_points']} points, graded {esc(board['graded_at'])} "
             f"from <code>{esc(board['workspace'])}</code>.</p>",
             "<table id='labs'><tr><th>lab</th><th>points</th><th></th><th>status</th></tr>"]
    for s in board["labs"]:
        status = _how(s)
        parts.append(f"<tr><td><a href='#{esc(s['lab'])}'>{esc(s['lab'])}</a></td>"
                     f"<td class='num'>{s['points']}/{s['max_points']}</td>"
                     f"<td>{bar(s['points'], s['max_points'])}</td>"
                     f"<td class='{s['status']}'>{esc(status)}</td></tr>")
    parts.append("</table>")
    for s in board["labs"]:
        parts.append(f"<h2 id='{esc(s['lab'])}'>{esc(s['lab'])}: {s['points']}/{s['max_points']}</h2>")
        if s.get("notebook"):
            parts.append(f"<p>What every check printed: <a href='{esc(Path(s['notebook']).as_uri())}'>"
                         f"{esc(Path(s['notebook']).name)}</a> (open it in JupyterLab).</p>")
        parts.append("<table><tr><th>step</th><th>check</th><th>what it checks</th><th>points</th>"
                     "<th>result</th></tr>")
        for c in s["checks"]:
            tag = f"TODO {c['todo']}" if c["todo"] is not None else "checkpoint"
            message = f" - {esc(c['message'])}" if c["message"] and c["status"] != "pass" else ""
            parts.append(f"<tr><td>{tag}</td><td><code>{esc(c['name'])}</code></td><td>{esc(c['title'])}</td>"
                         f"<td class='num'>{_mark(c)}</td>"
                         f"<td class='{c['status']}'>{STATUS_TEXT[c['status']]}{message}</td></tr>")
        parts.append("</table>")
    parts.append("</body></html>\n")
    return "\n".join(parts)


def add_commands(sub) -> None:
    """``lakehouse grade [NN ...]``."""
    p = sub.add_parser("grade", help="run your lab notebooks (workspace/) and print the scoreboard")
    p.add_argument("labs", nargs="*", help="lab numbers (default: every lab)")
    p.add_argument("--workspace", type=Path, default=None, help="the notebooks to grade (default workspace/)")
    p.set_defaults(func=_cmd_grade)


def _cmd_grade(args) -> int:
    board = grade(args.labs or None, workspace=args.workspace)
    print()
    print(render_text(board))
    return 0

