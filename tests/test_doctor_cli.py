import os
import subprocess
import sys

from lakehouse.runtime.doctor import run_doctor


def test_doctor_passes_here(test_home, capsys):
    report = run_doctor(verbose=True)
    out = capsys.readouterr().out
    assert report.ok, out
    assert "All checks passed." in out


def test_doctor_names_a_broken_java_and_the_fix(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("JAVA_HOME", str(tmp_path / "no-jdk"))
    report = run_doctor(verbose=True)
    assert not report.ok and [c.name for c in report.problems()] == ["java"]
    out = capsys.readouterr().out
    assert "FAIL java" in out and "fix: point JAVA_HOME" in out


def _cli(*args, **env):
    return subprocess.run([sys.executable, "-m", "lakehouse.cli", *args], capture_output=True, text=True,
                          timeout=300, env=dict(os.environ, **env))


def test_cli_doctor_exit_codes(tmp_path, test_home):
    assert _cli("doctor").returncode == 0
    bad = _cli("doctor", JAVA_HOME=str(tmp_path))
    assert bad.returncode == 1 and "FAIL java" in bad.stdout


def test_cli_error_is_one_line_with_code(tmp_path):
    out = _cli("engine", "start", LAKEHOUSE_HOME=str(tmp_path), LAKEHOUSE_JARS=str(tmp_path / "nojars"))
    assert out.returncode == 2
    assert out.stderr.startswith("error [JARS_MISSING]") and "Traceback" not in out.stderr


def test_cli_labs_check():
    out = _cli("labs", "--check")
    assert out.returncode == 0, out.stderr
