"""The learner workspace: seeded from labs/, new labs copied in, a learner's notebook never
overwritten, reset with a backup; the sync check ignores what a front end adds; `make lab` bits."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from lakehouse.course.labgen import write_labs
from lakehouse.course.launcher import disable_news, engine_clients, free_port
from lakehouse.course.workspace import BACKUPS, notebook_content, reset_notebook, sync_workspace
from lakehouse.course.errors import LabError

REPO = Path(__file__).resolve().parents[1]


def _nb(source: str) -> str:
    return json.dumps({"cells": [{"cell_type": "code", "source": [source], "metadata": {}, "outputs": [],
                                  "execution_count": None}],
                       "metadata": {"kernelspec": {"name": "lakehouse"}}, "nbformat": 4, "nbformat_minor": 5})


@pytest.fixture
def course(tmp_path):
    (tmp_path / "labs").mkdir()
    (tmp_path / "labs" / "00_welcome_and_setup.ipynb").write_text(_nb("x = 0"))
    return tmp_path


def test_first_use_seeds_the_workspace_and_later_labs_arrive(course):
    ws = course / "workspace"
    assert sync_workspace(course, ws).copied == ["00_welcome_and_setup.ipynb"]
    (ws / "00_welcome_and_setup.ipynb").write_text(_nb("x = 'my answer'"))
    (course / "labs" / "01_delta_lake_fundamentals.ipynb").write_text(_nb("y = 1"))  # a `git pull`
    (course / "labs" / "00_welcome_and_setup.ipynb").write_text(_nb("x = 'a fixed lab'"))
    report = sync_workspace(course, ws)
    assert report.copied == ["01_delta_lake_fundamentals.ipynb"] and report.kept == ["00_welcome_and_setup.ipynb"]
    assert "my answer" in (ws / "00_welcome_and_setup.ipynb").read_text()  # never overwritten


def test_reset_keeps_a_timestamped_backup(course):
    ws = course / "workspace"
    sync_workspace(course, ws)
    (ws / "00_welcome_and_setup.ipynb").write_text(_nb("x = 'my answer'"))
    first = reset_notebook("00", course, ws)
    second = reset_notebook("0", course, ws)
    assert first.parent == ws / BACKUPS and first.name.startswith("00_welcome_and_setup.")
    assert "my answer" in first.read_text() and first != second
    assert (ws / "00_welcome_and_setup.ipynb").read_text() == _nb("x = 0")


def test_reset_of_an_unknown_or_missing_lab(course):
    with pytest.raises(LabError) as info:
        reset_notebook("13", course, course / "workspace")
    assert info.value.code == "LAB_ERROR"
    with pytest.raises(LabError):
        reset_notebook("05", course, course / "workspace")  # no notebook in labs/ yet


def test_sync_without_labs_says_so(tmp_path):
    (tmp_path / "labs").mkdir()
    with pytest.raises(LabError) as info:
        sync_workspace(tmp_path, tmp_path / "ws")
    assert "make labs" in str(info.value)


def test_content_ignores_front_end_metadata_but_not_sources():
    opened = json.loads(_nb("x = 0"))
    opened["metadata"]["language_info"] = {"name": "python", "version": "3.11.7"}
    opened["cells"][0].update(id="a1b2", metadata={"trusted": True}, execution_count=3,
                              outputs=[{"output_type": "stream", "name": "stdout", "text": "0"}])
    assert notebook_content(json.dumps(opened)) == notebook_content(_nb("x = 0"))
    assert notebook_content(_nb("x = 1")) != notebook_content(_nb("x = 0"))
    with pytest.raises(LabError):
        notebook_content("not json")


def test_labs_check_passes_after_a_front_end_rewrote_a_lab(tmp_path):
    """The sync step of `make test` after JupyterLab opened and saved a lab: still up to date."""
    for folder in ("solutions", "labs"):
        shutil.copytree(REPO / folder, tmp_path / folder)
    lab = tmp_path / "labs" / "00_welcome_and_setup.ipynb"
    nb = json.loads(lab.read_text())
    nb["metadata"]["language_info"] = {"name": "python", "version": "3.11.7", "mimetype": "text/x-python"}
    nb["nbformat_minor"] = 5
    for i, cell in enumerate(nb["cells"]):
        cell["id"] = f"cell-{i}"
    lab.write_text(json.dumps(nb, indent=2))
    assert write_labs(tmp_path, check=True) == []
    nb["cells"][1]["source"] = ["changed by hand"]
    lab.write_text(json.dumps(nb))
    assert write_labs(tmp_path, check=True) == ["labs/00_welcome_and_setup.ipynb"]


def test_cli_reset_and_sync(tmp_path):
    env = {"LAKEHOUSE_WORKSPACE": str(tmp_path / "ws"), "PATH": "/usr/bin:/bin"}
    run = lambda *a: subprocess.run([sys.executable, "-m", "lakehouse.cli", "labs", *a], capture_output=True,
                                    text=True, env=env, cwd=REPO)
    out = run("sync")
    assert out.returncode == 0 and "new lab(s) copied in" in out.stdout
    out = run("reset", "02")
    assert out.returncode == 0 and "saved as" in out.stdout
    assert list((tmp_path / "ws" / BACKUPS).glob("02_auto_loader_bronze.*.ipynb"))
    out = run("reset", "99")
    assert out.returncode == 2 and out.stderr.startswith("error [LAB_ERROR]:") and "Traceback" not in out.stderr


def test_news_prompt_is_turned_off(tmp_path):
    path = disable_news(str(tmp_path))
    path.write_text(json.dumps({"other": {"a": 1}}))
    disable_news(str(tmp_path))
    settings = json.loads(path.read_text())
    assert settings["@jupyterlab/apputils-extension:notification"]["fetchNews"] == "false"
    assert settings["other"] == {"a": 1}


def test_free_port_and_clients_of_a_port():
    import socket

    port = free_port(20000)
    with socket.socket() as server:
        server.bind(("127.0.0.1", port))
        server.listen()
        assert free_port(port) != port
        with socket.create_connection(("127.0.0.1", port)):
            conn, _ = server.accept()
            assert engine_clients(port) >= 1 or not Path("/proc/net/tcp").exists()
            conn.close()
