import json
import os
import subprocess
import sys

from lakehouse.runtime.engine import engine_status, start_engine, stop_engine


def test_no_engine_for_an_unused_home(tmp_path):
    st = engine_status(tmp_path)
    assert not st.running and st.pid is None
    assert stop_engine(tmp_path) is False


def test_stale_state_file_is_not_running(tmp_path):
    (tmp_path / "engine").mkdir()
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    (tmp_path / "engine" / "server.json").write_text(json.dumps(
        {"pid": proc.pid, "port": 1, "token": "t", "python": sys.prefix}))
    assert not engine_status(tmp_path).running


def test_start_is_idempotent_and_tied_to_its_home(test_home):
    first = start_engine(test_home, quiet=True)
    second = start_engine(test_home, quiet=True)
    assert first.running and (first.pid, first.port) == (second.pid, second.port)
    state = test_home / "engine" / "server.json"
    assert oct(state.stat().st_mode & 0o777) == "0o600"  # the token is not world-readable
    assert (test_home / "engine" / "server.log").is_file()


def test_cli_status(test_home):
    out = subprocess.run([sys.executable, "-m", "lakehouse.cli", "engine", "status"], capture_output=True,
                         text=True, env=dict(os.environ, LAKEHOUSE_HOME=str(test_home)), timeout=60)
    assert out.returncode == 0 and out.stdout.startswith("running")
