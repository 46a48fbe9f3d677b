"""`make lab` in a real browser, as a new learner meets it (run by `make e2e`, not by `make test`).

Starts `make lab` in this checkout (CI: a fresh clone), opens lab 02 of the learner workspace in
headless Chromium (Debian's `chromium` + `chromium-driver`, driven by selenium), runs the setup,
answers exercise 1 wrongly (a FAIL with a nudge, never the answer) then rightly (PASS), types a
``%sql`` cell below it (its result shows as a table, and the next cell reads it as ``_sqldf``), saves,
stops `make lab` with Ctrl+C, and checks that `git status` did not change and that
`lakehouse labs --check` (the sync step of `make test`) passes. Then `make grade LABS=02` grades
the saved notebook: the scoreboard gives the answered exercise its points and nothing else, and
its HTML page opens in the browser. Screenshots: build/e2e/*.png.

On a checkout that already has a workspace/ with the learner's work, the test uses its own
workspace under build/e2e/ instead, so nobody's answers are touched. Its LAKEHOUSE_HOME is
build/e2e/home (its own engine, stopped by the Ctrl+C).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import threading
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "build" / "e2e"
LAB = "02_auto_loader_bronze.ipynb"
WRONG = 'crm_stream = spark.read.json(crm_path)'
RIGHT = ('crm_stream = spark.readStream.format("cloudFiles").option("cloudFiles.format", "json")'
         '.option("cloudFiles.schemaLocation", ctx.schema_location("crm")).load(crm_path)')
ANSWER_MARK = 'ctx.schema_location("crm")).load'  # in the reference answer; must never show after a FAIL
TIMEOUT_S = 240
SQL_CELL = "%sql\nSELECT 'typed in the browser' AS source, 40 + 2 AS answer, current_date() IS NOT NULL AS today"
SQL_NEXT = 'print("from _sqldf:", _sqldf.first().answer)'


def _git_status() -> str:
    return subprocess.run(["git", "status", "--porcelain"], cwd=REPO, capture_output=True, text=True,
                          check=True).stdout


@pytest.fixture
def make_lab():
    OUT.mkdir(parents=True, exist_ok=True)
    for old in OUT.glob("*.png"):
        old.unlink()
    env = dict(os.environ, LAKEHOUSE_HOME=str(OUT / "home"))
    env.pop("LAKEHOUSE_GRADING", None)
    subprocess.run([str(REPO / ".venv" / "bin" / "lakehouse"), "engine", "stop"], env=env, capture_output=True)
    shutil.rmtree(OUT / "home", ignore_errors=True)  # a new learner: no engine, no data set yet
    if (REPO / "workspace").exists():
        env["LAKEHOUSE_WORKSPACE"] = str(OUT / "workspace")
        shutil.rmtree(OUT / "workspace", ignore_errors=True)
    workspace = Path(env.get("LAKEHOUSE_WORKSPACE", REPO / "workspace"))
    before = _git_status()
    log = open(OUT / "make-lab.log", "w")
    started = time.monotonic()
    proc = subprocess.Popen(["make", "--no-print-directory", "lab", "LAB_ARGS=--no-browser"], cwd=REPO, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    lines: list[str] = []
    url = None
    while url is None and time.monotonic() - started < TIMEOUT_S:
        line = proc.stdout.readline()
        if not line:
            break
        lines.append(line)
        log.write(line)
        log.flush()
        found = re.search(r"(http://127\.0\.0\.1:\d+/lab/tree/00_welcome_and_setup\.ipynb\?token=\w+)", line)
        url = found.group(1) if found else None
    assert url, "make lab printed no URL of lab 00:\n" + "".join(lines)
    print(f"make lab answered after {time.monotonic() - started:.1f} s: {url}")

    def drain():  # keep reading: a full pipe would block JupyterLab's log, and the server with it
        for rest in proc.stdout:
            lines.append(rest)
            log.write(rest)
            log.flush()

    threading.Thread(target=drain, daemon=True).start()
    yield proc, url, workspace, before, lines, log
    if proc.poll() is None:  # a failed test: Ctrl+C first (the launcher stops JupyterLab), then kill
        os.killpg(proc.pid, signal.SIGINT)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
    subprocess.run([str(REPO / ".venv" / "bin" / "lakehouse"), "engine", "stop"], env=env, capture_output=True)
    log.close()


def _driver():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1400,1000"):
        options.add_argument(arg)
    options.binary_location = shutil.which("chromium") or shutil.which("chromium-browser") or ""
    return webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=options)


def _cells(driver):
    from selenium.webdriver.common.by import By

    return driver.find_elements(By.CSS_SELECTOR, ".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-Cell")


def _output(driver, index: int) -> str:
    from selenium.webdriver.common.by import By

    outs = _cells(driver)[index].find_elements(By.CSS_SELECTOR, ".jp-OutputArea-output")
    return "\n".join(o.text for o in outs)


def _wait(what, predicate, timeout_s: float = TIMEOUT_S, poll_s: float = 1.0, driver=None):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(poll_s)
    if driver is not None:
        driver.save_screenshot(str(OUT / "timeout.png"))
    raise AssertionError(f"timed out after {timeout_s:.0f} s waiting for {what} (screenshot build/e2e/timeout.png)")


def _index_of(driver, text: str) -> int:
    for i, cell in enumerate(_cells(driver)):
        if text in cell.text:
            return i
    raise AssertionError(f"no cell shows {text!r}")


def _select(driver, index: int):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    cell = _cells(driver)[index]
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", cell)
    prompt = cell.find_elements(By.CSS_SELECTOR, ".jp-InputPrompt")
    ActionChains(driver).click(prompt[0] if prompt else cell).perform()  # command mode, this cell active


def _run(driver, index: int):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    _select(driver, index)
    ActionChains(driver).key_down(Keys.CONTROL).send_keys(Keys.ENTER).key_up(Keys.CONTROL).perform()


def _type_into(driver, index: int, code: str):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    editor = _cells(driver)[index].find_element(By.CSS_SELECTOR, ".cm-content")
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", editor)
    editor.click()
    ActionChains(driver).key_down(Keys.CONTROL).send_keys("a").key_up(Keys.CONTROL).send_keys(Keys.DELETE).perform()
    editor.send_keys(code)


def _add_below(driver, index: int, code: str) -> int:
    """A new code cell below cell ``index`` (command mode ``b``) holding ``code``; returns its index."""
    from selenium.webdriver.common.action_chains import ActionChains

    _select(driver, index)
    count = len(_cells(driver))
    ActionChains(driver).send_keys("b").perform()
    _wait("a new cell", lambda: len(_cells(driver)) == count + 1, 30, poll_s=0.3, driver=driver)
    _type_into(driver, index + 1, code)
    return index + 1


def _table(driver, index: int) -> str:
    """The text of the HTML table(s) in cell ``index``'s output, with the caption under them ('' if none yet)."""
    from selenium.webdriver.common.by import By

    outs = _cells(driver)[index].find_elements(By.CSS_SELECTOR, ".jp-OutputArea-output")
    if not any(o.find_elements(By.CSS_SELECTOR, "table") for o in outs):
        return ""
    return "\n".join(o.text for o in outs)


def _sources(path: Path) -> str:
    """All code of a saved notebook (its JSON escapes quotes, so read it as a notebook)."""
    try:
        return "\n".join("".join(c["source"]) for c in json.loads(path.read_text())["cells"])
    except (OSError, ValueError, KeyError):
        return ""


def _idle(driver) -> bool:
    from selenium.webdriver.common.by import By

    found = driver.find_elements(By.CSS_SELECTOR, ".jp-NotebookPanel:not(.lm-mod-hidden) "
                                                  ".jp-Notebook-ExecutionIndicator")
    return bool(found) and found[0].get_attribute("data-status") == "idle"


def test_a_learner_session_in_the_browser(make_lab):
    proc, url, workspace, status_before, lines, log = make_lab
    lab_url = url.replace("00_welcome_and_setup.ipynb", LAB)
    driver = _driver()
    t0 = time.monotonic()
    try:
        driver.get(lab_url)
        _wait("lab 02 to open with an idle kernel", lambda: len(_cells(driver)) > 20 and _idle(driver), 120)
        driver.save_screenshot(str(OUT / "01-lab02-opened.png"))

        setup = _index_of(driver, "# Parameters")  # the parameters cell, then the setup
        todo1 = _index_of(driver, "# TODO 1: an Auto Loader stream")
        check1 = todo1 + 1
        for i in range(setup, todo1):  # the setup, the first day landing, the peeks
            _run(driver, i)
        def setup_done():
            outputs = [_output(driver, i) for i in range(setup, todo1)]
            if any("Traceback" in o or "Error" in o.split("\n")[0] for o in outputs):
                driver.save_screenshot(str(OUT / "error.png"))
                raise AssertionError("a setup cell failed:\n" + "\n".join(outputs)[-3000:])
            return _idle(driver) and outputs[-2]

        _wait("the setup cells to finish", setup_done, 300, driver=driver)
        print(f"setup ran in {time.monotonic() - t0:.0f} s")
        driver.save_screenshot(str(OUT / "02-setup-done.png"))
        assert "Traceback" not in "".join(_output(driver, i) for i in range(setup, todo1))

        _type_into(driver, todo1, WRONG)
        _run(driver, todo1)
        _run(driver, check1)
        fail = _wait("a FAIL under check 1", lambda: "FAIL" in _output(driver, check1) and _idle(driver)
                     and _output(driver, check1), 120, driver=driver)
        driver.save_screenshot(str(OUT / "03-wrong-answer-fail.png"))
        assert "nudge:" in fail and "cloudFiles" in fail, fail
        assert ANSWER_MARK not in fail, "the FAIL printed the answer"
        assert "\nTrue" not in fail and "\nFalse" not in fail

        _type_into(driver, todo1, RIGHT)
        _run(driver, todo1)
        _run(driver, check1)
        ok = _wait("a PASS under check 1", lambda: _idle(driver) and "PASS" in _output(driver, check1)
                   and _output(driver, check1), 120, driver=driver)
        driver.save_screenshot(str(OUT / "04-right-answer-pass.png"))
        assert "FAIL" not in ok, ok

        from selenium.webdriver.common.action_chains import ActionChains
        from selenium.webdriver.common.keys import Keys

        sql_cell = _add_below(driver, check1, SQL_CELL)
        _run(driver, sql_cell)
        table = _wait("the %sql cell's result table", lambda: _idle(driver) and _table(driver, sql_cell), 120,
                      driver=driver)
        driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", _cells(driver)[sql_cell])
        driver.save_screenshot(str(OUT / "05-sql-cell.png"))
        assert "answer" in table and "42" in table and "typed in the browser" in table and "1 row" in table, table
        next_cell = _add_below(driver, sql_cell, SQL_NEXT)
        _run(driver, next_cell)
        bound = _wait("the next cell to read _sqldf", lambda: _idle(driver) and _output(driver, next_cell), 120,
                      driver=driver)
        assert "from _sqldf: 42" in bound, bound

        ActionChains(driver).key_down(Keys.CONTROL).send_keys("s").key_up(Keys.CONTROL).perform()
        saved = workspace / LAB
        _wait("the notebook to be saved", lambda: RIGHT in _sources(saved), 60, driver=driver)
        driver.save_screenshot(str(OUT / "06-saved.png"))

        # reopened later, a saved widget (a progress bar) shows "Error displaying widget: model not found"
        widgets = [o for c in json.loads(saved.read_text())["cells"] for o in c.get("outputs", [])
                   if "application/vnd.jupyter.widget-view+json" in o.get("data", {})]
        assert not widgets, f"the saved lab holds {len(widgets)} widget output(s): dead when reopened"
        from selenium.webdriver.common.by import By

        driver.get(lab_url)
        _wait("the saved lab to reopen", lambda: len(_cells(driver)) > 20 and _idle(driver), 120, driver=driver)
        page = driver.find_element(By.TAG_NAME, "body").text
        driver.save_screenshot(str(OUT / "06b-reopened.png"))
        assert "Error displaying widget" not in page and "model not found" not in page
    finally:
        driver.quit()

    os.killpg(proc.pid, signal.SIGINT)  # Ctrl+C in the terminal that runs `make lab`
    proc.wait(timeout=90)
    time.sleep(1)  # the drain thread reads the last lines
    said = "".join(lines)
    assert "Stopped the Spark engine this session started" in said or "keeps running" in said, said[-2000:]
    # `make lab` started the engine in the background while JupyterLab started (issue 32)
    assert "The Spark engine is starting in the background" in said, said[-2000:]
    assert "Spark engine ready" in said, said[-2000:]
    assert _git_status() == status_before, f"git status changed:\n{_git_status()}"  # a fresh clone: clean
    check = subprocess.run([str(REPO / ".venv" / "bin" / "lakehouse"), "labs", "--check"], cwd=REPO,
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    _grade_the_saved_lab(workspace)


def _grade_the_saved_lab(workspace: Path):
    """`make grade LABS=02` on the notebook the learner saved: 1 exercise answered, its points only."""
    from lakehouse.course.labs import lab_checks

    env = dict(os.environ, LAKEHOUSE_HOME=str(OUT / "home"), LAKEHOUSE_WORKSPACE=str(workspace))
    env.pop("LAKEHOUSE_GRADING", None)
    _take_a_short_exam(env)
    t0 = time.monotonic()
    done = subprocess.run(["make", "--no-print-directory", "grade", "LABS=02"], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=600)
    (OUT / "make-grade.log").write_text(done.stdout + done.stderr)
    assert done.returncode == 0, (done.stdout + done.stderr)[-3000:]
    print(f"make grade LABS=02 took {time.monotonic() - t0:.0f} s")
    board = json.loads((OUT / "home" / "grades" / "scoreboard.json").read_text())
    score = board["labs"][0]
    checks = {c["name"]: c for c in score["checks"]}
    first = next(c for c in lab_checks(LAB[:-len(".ipynb")]) if c.todo == 1)
    assert checks[first.name]["status"] == "pass", checks[first.name]
    assert score["status"] == "graded" and score["points"] == first.points < score["max_points"], score
    assert re.search(rf"TODO 1\s+{first.name}\s+{first.points}/{first.points}\s+PASS", done.stdout), done.stdout
    driver = _driver()
    try:
        driver.get(Path(board["html"]).as_uri())
        from selenium.webdriver.common.by import By

        text = driver.find_element(By.TAG_NAME, "body").text
        driver.save_screenshot(str(OUT / "07-scoreboard.png"))
        driver.execute_script("document.getElementById('exams').scrollIntoView()")
        driver.save_screenshot(str(OUT / "08-exam-history.png"))
    finally:
        driver.quit()
    assert f"{score['points']}/{score['max_points']}" in text and "PASS" in text and "FAIL" in text, text[:2000]
    assert "Practice exams" in text and "PASS (pass line 70%)" in text, text[-2000:]  # the exam beside the labs


def _take_a_short_exam(env: dict) -> None:
    """`lakehouse exam --plain`: 5 questions answered with their keys, so the page shows an exam run."""
    from lakehouse.course.exam import load_bank
    from lakehouse.course.exam.history import draw

    (OUT / "home" / "exam" / "history.json").unlink(missing_ok=True)
    keys = [",".join(sorted(item.answer)) for item in draw(load_bank(), 5, seed=3, history=[])]
    done = subprocess.run([str(REPO / ".venv" / "bin" / "lakehouse"), "exam", "--plain", "--questions", "5",
                           "--seed", "3"], input="\n".join(keys + ["s", "y"]) + "\n", env=env,
                          capture_output=True, text=True, timeout=120)
    (OUT / "exam.log").write_text(done.stdout + done.stderr)
    assert done.returncode == 0 and "Total" in done.stdout and "5/5" in done.stdout, done.stdout[-2000:]
