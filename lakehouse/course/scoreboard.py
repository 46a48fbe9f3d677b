"""``lakehouse grade`` / ``make grade``: run the learner's labs and print a scoreboard per lab and exercise.

For each lab asked (default: every lab of the course map), :func:`grade`

1. takes the learner's copy ``workspace/NN_topic.ipynb`` (never ``labs/`` or ``solutions/``); a
   lab with no copy is *not started* and scores 0 without running;
2. runs it top to bottom with papermill on the ``lakehouse`` kernel, from a clean slate
   (``RESET=True`` rebuilds that lab's own schema and folders, nothing else) and with lax
   grading: a failed check prints its nudge and catches up, so the run goes on — the way
   Databricks Academy's validation suites grade a lab;
3. reads what the lab's checks recorded (``LAKEHOUSE_GRADES_DIR``, see
   :meth:`lakehouse.course.grading.Grader.record`); a check that never ran (the notebook stopped on an
   error) scores 0, and the lab says which cell stopped it and why, in one line.

Points come from exercises only (checks with a TODO number); an untouched lab scores 0 and the
solution full marks (``tests/test_notebooks.py`` proves both on every lab). The scoreboard goes
to the terminal and to ``LAKEHOUSE_HOME/grades/scoreboard.html`` (a static page) with
``scoreboard.json`` next to it; the executed notebooks are kept in
``LAKEHOUSE_HOME/grades/notebooks/`` so the learner can read what every check printed. The page
shows the practice exams beside the lab scores (``lakehouse exam`` keeps them in
``LAKEHOUSE_HOME/exam/history.json`` and rewrites the page after each run: :func:`refresh_page`).

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

from .errors import LabError
from .grading import Grader
from ..runtime.paths import lakehouse_home
from .catalog import LABS, resolve_lab
from .exam.history import load_history
from .labs import lab_checks
from .workspace import workspace_dir

CELL_TIMEOUT_S = 900
STATUS_TEXT = {"pass": "PASS", "fail": "FAIL", "not_run": "not run"}


def grade_lab(lab_id: str, *, workspace: Path, out: Path, kernel: str = "lakehouse") -> dict:
    """Run one lab's workspace copy and return its score; whatever the notebook does, never raise.

    The run uses the lab's **graded** schema and folders (``labNN_graded``,
    ``LAKEHOUSE_HOME/labs/NN_topic.graded``: ``LAKEHOUSE_LAB_VARIANT=graded``), so a notebook
    the learner has open keeps its own tables, streams and checkpoints.

    Args:
        lab_id: ``NN_topic``.
        workspace: the folder with the learner's notebooks.
        out: the grading folder; results go to ``out/results/``, the executed notebook to
            ``out/notebooks/<lab_id>.graded.ipynb``.
        kernel: the Jupyter kernel to run it on.

    Returns:
        ``{"lab", "status": "graded" | "stopped" | "not_started", "points", "max_points",
        "seconds", "stopped_at", "notebook", "graded_at", "checks": [{"name", "todo", "title",
        "points", "max_points", "status", "message"}]}``. ``stopped_at`` says in one line why
        the run ended early: "cell N (its first line): Error: message" (N counts the cells of
        the learner's notebook from 1), a cell over the time limit, a kernel that died, a file
        that is not a notebook. Points are capped at each check's points in the package.
    """
    import nbformat

    blank = _blank(lab_id)
    notebook = workspace / f"{lab_id}.ipynb"
    if not notebook.is_file():
        return {**blank, "status": "not_started"}
    try:
        nb = nbformat.read(notebook, as_version=4)
    except Exception as exc:  # noqa: BLE001 - not JSON, not a notebook: one line, never a traceback
        return {**blank, "status": "stopped",
                "stopped_at": f"{notebook.name} is not a notebook that can be read ({type(exc).__name__}: "
                              f"{_first_line(exc)}); `lakehouse labs reset {lab_id[:2]}` starts it over and "
                              "keeps this file in workspace/.backups/"}
    _tag_parameters(nb)
    results = out / "results"
    (results / f"{lab_id}.json").unlink(missing_ok=True)
    graded = out / "notebooks" / f"{lab_id}.graded.ipynb"
    graded.parent.mkdir(parents=True, exist_ok=True)
    start = time.monotonic()
    stopped_at = _execute(nb, graded, workspace=workspace, results=results, kernel=kernel)
    seconds = round(time.monotonic() - start, 1)
    score, unreadable = _recorded(blank, results / f"{lab_id}.json")
    stopped_at = stopped_at or unreadable
    return {**score, "status": "stopped" if stopped_at else "graded", "seconds": seconds,
            "stopped_at": stopped_at, "notebook": str(graded)}


def _blank(lab_id: str) -> dict:
    """The score of a lab none of whose checks ran: 0 of the points its checks are worth."""
    return {**Grader(lab_id, lab_checks(lab_id)).report(), "status": "not_started", "graded_at": _now(),
            "seconds": 0.0, "stopped_at": "", "notebook": ""}


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]


def _tag_parameters(nb) -> None:
    """Tag the cell that sets ``RESET`` as papermill's parameters cell when the tag was lost.

    Without the tag papermill puts ``RESET = True`` first and the learner's own ``RESET = False``
    wins: the lab would not start from a clean slate.
    """
    if any("parameters" in c.metadata.get("tags", []) for c in nb.cells):
        return
    for cell in nb.cells:
        if cell.cell_type == "code" and any(line.strip().startswith("RESET") for line in cell.source.splitlines()):
            cell.metadata.setdefault("tags", []).append("parameters")
            return


def _execute(nb, graded: Path, *, workspace: Path, results: Path, kernel: str) -> str:
    """Run the notebook with papermill; "" when every cell ran, else why and where it stopped."""
    import papermill
    from papermill.exceptions import PapermillExecutionError

    env = {"LAKEHOUSE_GRADES_DIR": str(results), "LAKEHOUSE_LAB_VARIANT": "graded", "LAKEHOUSE_GRADING": None}
    saved = {k: os.environ.get(k) for k in env}
    for key, value in env.items():  # the kernel inherits them; lax grading: a FAIL catches up, the lab goes on
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
    try:
        papermill.execute_notebook(
            nb, str(graded), kernel_name=kernel, cwd=str(workspace), parameters={"RESET": True},
            execution_timeout=CELL_TIMEOUT_S, progress_bar=False, log_output=False,
            # the kernel's start-up warning about TCP without encryption (a local kernel) said once per lab
            extra_arguments=["--IPKernelApp.log_level=ERROR"])
    except PapermillExecutionError as exc:
        return f"{_cell_where(graded, exc.cell_index)}: {exc.ename}: {(str(exc.evalue).splitlines() or [''])[0][:200]}"
    except Exception as exc:  # noqa: BLE001 - a dead kernel, a cell over the time limit: one line
        where = _cell_where(graded, _unfinished_cell(graded))
        if type(exc).__name__ == "CellTimeoutError":
            return f"{where}: it ran longer than the {CELL_TIMEOUT_S} s time limit of a cell"
        if type(exc).__name__ == "DeadKernelError":
            return f"{where}: the kernel died in this cell (os._exit, a crash, or out of memory)"
        return f"{where}: {type(exc).__name__}: {_first_line(exc)}"
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    index = _unfinished_cell(graded)
    if index is not None:  # no error raised, yet cells did not run: sys.exit() / exit() in a cell
        return f"{_cell_where(graded, index)}: the run ended in this cell (sys.exit(), exit() or a kernel restart)"
    return ""


def _graded_cells(graded: Path) -> list:
    import nbformat

    try:
        return nbformat.read(graded, as_version=4).cells
    except Exception:  # noqa: BLE001 - papermill had not written it yet
        return []


def _unfinished_cell(graded: Path) -> int | None:
    """Index (in papermill's copy) of the cell the run ended in, or None when every cell ran.

    Papermill marks the cells it never started "completed" too, but with no start time: the run
    ended in the last code cell that started before them (or in one that raised).
    """
    last_started = None
    for i, cell in enumerate(_graded_cells(graded)):
        if cell.cell_type != "code" or not cell.source.strip():
            continue
        state = cell.metadata.get("papermill", {})
        if state.get("exception"):
            return i
        if state.get("start_time") is None:
            return last_started if last_started is not None else i
        last_started = i
    return None


def _cell_where(graded: Path, index: int | None) -> str:
    """``cell N (first line)`` as the learner counts: papermill's injected parameters cell left out."""
    cells = _graded_cells(graded)
    if index is None or index >= len(cells):
        return "a cell"
    injected = sum("injected-parameters" in c.metadata.get("tags", []) for c in cells[:index])
    first = next((line.strip() for line in cells[index].source.splitlines() if line.strip()), "")
    return f"cell {index + 1 - injected} ({first[:60]})"


def _recorded(blank: dict, path: Path) -> tuple[dict, str]:
    """The checks' recorded results over the blank score, capped at each check's points; and a problem."""
    if not path.is_file():
        return blank, ""
    try:
        found = {c["name"]: c for c in json.loads(path.read_text())["checks"]}
    except (ValueError, KeyError, TypeError) as exc:
        return blank, f"the results file {path.name} could not be read ({type(exc).__name__}): was it overwritten?"
    rows = []
    for row in blank["checks"]:
        got = found.get(row["name"])
        if not isinstance(got, dict) or got.get("status") not in ("pass", "fail"):
            rows.append(row)
            continue
        passed = got["status"] == "pass"
        points = row["max_points"] if passed else 0  # the package says what a check is worth
        rows.append({**row, "status": got["status"], "points": points, "message": str(got.get("message", ""))[:300]})
    return {**blank, "checks": rows, "points": sum(r["points"] for r in rows)}, ""


def grade(labs: list[str] | None = None, *, workspace: Path | None = None, home: Path | None = None,
          kernel: str = "lakehouse", echo=print) -> dict:
    """Grade the learner's labs and write the scoreboard (JSON and HTML) under ``home/grades``.

    The scoreboard keeps the last score of every lab graded before (each with its ``graded_at``),
    so ``lakehouse grade 03`` updates lab 03's row and leaves the others. Ctrl+C stops the run: the
    labs graded so far are written, the current one shows as stopped, then ``KeyboardInterrupt``.

    Args:
        labs: lab names or numbers (``["02", "3"]``); default every lab of the course map.
        workspace: the learner's notebooks (default :func:`~lakehouse.course.workspace.workspace_dir`).
        home: where the scoreboard goes (default ``LAKEHOUSE_HOME``).
        kernel: the Jupyter kernel.
        echo: called with one line per lab as it is graded (progress).

    Returns:
        ``{"graded_at", "workspace", "points", "max_points", "labs": [grade_lab(...) ...],
        "html", "json"}``, labs in course order.

    Raises:
        LabError: an unknown lab (``LAB_ERROR``), or a workspace that does not exist.

    Example:
        >>> board = grade(["00"])                     # doctest: +SKIP
        grading 00_welcome_and_setup ...
    """
    lab_ids = [resolve_lab(name) for name in labs] if labs else [f"{n}_{t}" for n, t in LABS.items()]
    folder = workspace or workspace_dir()
    if not folder.is_dir():
        raise LabError(f"the workspace {folder} does not exist.",
                       fix="run `make lab` (or `lakehouse labs sync`) once to copy the labs into it.")
    out = (home or lakehouse_home()) / "grades"
    out.mkdir(parents=True, exist_ok=True)
    scores = _previous(out / "scoreboard.json", folder)
    try:
        for lab_id in lab_ids:
            if (folder / f"{lab_id}.ipynb").is_file():
                echo(f"grading {lab_id} ...")
            try:
                scores[lab_id] = grade_lab(lab_id, workspace=folder, out=out, kernel=kernel)
            except KeyboardInterrupt:
                scores[lab_id] = {**_blank(lab_id), "status": "stopped",
                                  "stopped_at": "interrupted (Ctrl+C) while grading it"}
                raise
    finally:
        board = _write(scores, folder, out)
    return board


def _previous(path: Path, workspace: Path) -> dict:
    """Scores of the last scoreboard of this workspace, by lab id (labs of the course map only)."""
    try:
        board = json.loads(path.read_text())
        if board.get("workspace") != str(workspace):
            return {}
        known = {f"{n}_{t}" for n, t in LABS.items()}
        return {s["lab"]: s for s in board["labs"] if s["lab"] in known}
    except (OSError, ValueError, KeyError, TypeError):
        return {}


def _write(scores: dict, workspace: Path, out: Path) -> dict:
    ordered = [scores[k] for k in sorted(scores)]
    board = {"graded_at": _now(), "workspace": str(workspace), "points": sum(s["points"] for s in ordered),
             "max_points": sum(s["max_points"] for s in ordered), "labs": ordered,
             "json": str(out / "scoreboard.json"), "html": str(out / "scoreboard.html")}
    Path(board["json"]).write_text(json.dumps(board, indent=1))
    Path(board["html"]).write_text(render_html({**board, "exams": load_history(out.parent / "exam" / "history.json")}))
    return board


def refresh_page(home: Path | None = None) -> Path:
    """Rewrite ``scoreboard.html`` from the last ``scoreboard.json`` and the exam history (after an exam).

    Without a graded lab yet, the page shows the exam history and says how to grade the labs.

    Returns:
        The page's path.

    Example:
        >>> import tempfile
        >>> page = refresh_page(Path(tempfile.mkdtemp()))
        >>> "Practice exams" in page.read_text()
        True
    """
    out = (home or lakehouse_home()) / "grades"
    out.mkdir(parents=True, exist_ok=True)
    try:
        board = json.loads((out / "scoreboard.json").read_text())
    except (OSError, ValueError):
        board = {"graded_at": "never (run `make grade`)", "workspace": "-", "points": 0, "max_points": 0, "labs": []}
    page = out / "scoreboard.html"
    page.write_text(render_html({**board, "exams": load_history(out.parent / "exam" / "history.json")}))
    return page


def _how(score: dict) -> str:
    return {"not_started": "not started (no copy in the workspace)",
            "stopped": f"stopped: {score['stopped_at']}",
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
            TODO 1     a                    1/1   PASS
            TODO 2     b                    0/1   FAIL  b is not set yet
        total                               1/2   (50%)
        scoreboard: s.html
    """
    lines = [f"{'lab':<32} {'points':>6}"]
    for score in board["labs"]:
        lines.append(_lab_line(score))
        if score["status"] == "not_started":
            continue
        for c in score["checks"]:
            tag = f"TODO {c['todo']}" if c["todo"] is not None else "checkpoint"
            mark = _mark(c)
            note = f"  {c['message']}" if c["message"] and c["status"] != "pass" else ""
            lines.append(f"    {tag:<10} {c['name']:<17} {mark:>6}   {STATUS_TEXT[c['status']]}{note}")
    share = round(100 * board["points"] / board["max_points"]) if board["max_points"] else 0
    total = f"{board['points']}/{board['max_points']}"
    lines.append(f"{'total':<32} {total:>6}   ({share}%)")
    lines.append(f"scoreboard: {board['html']}")
    return "\n".join(lines)


_CSS = """body{font-family:system-ui,sans-serif;margin:2em;color:#1b1b1b}
table{border-collapse:collapse;margin-bottom:1.5em;min-width:40em}
th,td{border-bottom:1px solid #ddd;padding:.3em .7em;text-align:left}
th{background:#f3f3f3}.pass{color:#17813c;font-weight:600}.fail{color:#b3261e;font-weight:600}
.not_run,.not_started{color:#777}.stopped{color:#b3261e}.bar{background:#e6e6e6;width:10em;height:.8em;display:inline-block}
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
    parts += _exam_rows(board.get("exams", []))
    for s in board["labs"]:
        parts.append(f"<h2 id='{esc(s['lab'])}'>{esc(s['lab'])}: {s['points']}/{s['max_points']}</h2>")
        if s["status"] == "stopped":
            parts.append(f"<p class='stopped'>Stopped: {esc(s['stopped_at'])}. The checks after it did not run.</p>")
        if s.get("notebook"):
            parts.append(f"<p>What every cell printed in the graded run: <a href='{esc(Path(s['notebook']).as_uri())}'>"
                         f"<code>{esc(s['notebook'])}</code></a>.</p>")
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


def _exam_rows(runs: list[dict]) -> list[str]:
    """The practice exams (``lakehouse exam``), newest first: score, pass line, per section."""
    esc = html.escape
    parts = ["<h2 id='exams'>Practice exams</h2>"]
    if not runs:
        return parts + ["<p>No practice exam yet: <code>lakehouse exam</code> (45 questions, 90 minutes).</p>"]
    sections = list(dict.fromkeys(k for r in runs for k in r.get("sections", {})))
    parts.append("<table id='exam-history'><tr><th>taken</th><th>questions</th><th>score</th><th>result</th>"
                 + "".join(f"<th>{esc(k)}</th>" for k in sections) + "</tr>")
    for r in reversed(runs):
        asked = len(r.get("right", [])) + len(r.get("missed", []))
        verdict = "PASS" if r.get("passed") else "FAIL"
        cells = []
        for k in sections:
            right, total = r.get("sections", {}).get(k, (0, 0))
            cells.append(f"<td class='num'>{right}/{total}</td>" if total else "<td></td>")
        timed = " (time ran out)" if r.get("timed_out") else ""
        parts.append(f"<tr><td>{esc(str(r.get('started', '')))}</td><td class='num'>{asked}</td>"
                     f"<td class='num'>{r.get('score', 0)}%</td>"
                     f"<td class='{'pass' if r.get('passed') else 'fail'}'>{verdict} (pass line "
                     f"{r.get('pass_percent', 70)}%){timed}</td>" + "".join(cells) + "</tr>")
    parts.append("</table>")
    return parts


def add_commands(sub) -> None:
    """``lakehouse grade [NN ...]``."""
    p = sub.add_parser("grade", help="run your lab notebooks (workspace/) and print the scoreboard")
    p.add_argument("labs", nargs="*", help="lab numbers (default: every lab)")
    p.add_argument("--workspace", type=Path, default=None, help="the notebooks to grade (default workspace/)")
    p.set_defaults(func=_cmd_grade)


def _cmd_grade(args) -> int:
    try:
        board = grade(args.labs or None, workspace=args.workspace)
    except KeyboardInterrupt:
        print("\ninterrupted: the scoreboard keeps the labs graded so far "
              f"({lakehouse_home() / 'grades' / 'scoreboard.html'})")
        return 130
    print()
    print(render_text(board))
    return 0

