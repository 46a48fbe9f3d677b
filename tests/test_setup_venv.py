"""`make venv` (part of `make setup`): a half-built `.venv` is rebuilt, a Python without ensurepip is named.

Runs the real Makefile target in a temporary folder with a real `python -m venv`. The second test
stands in for a Debian Python without `python3-venv` with a small script that answers
`-m venv` as Debian's Python does (its message names ensurepip) and runs the real Python otherwise.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BASE_PYTHON = shutil.which("python3") or sys.executable


def _make_venv(folder: Path, python: str) -> subprocess.CompletedProcess:
    shutil.copy(ROOT / "Makefile", folder / "Makefile")
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "MAKEFLAGS", "MFLAGS")}
    return subprocess.run(["make", "-s", "venv", f"PYTHON={python}"], cwd=folder, capture_output=True, text=True,
                          env=env, timeout=300)


def test_a_venv_without_pip_is_rebuilt(tmp_path):
    subprocess.run([BASE_PYTHON, "-m", "venv", "--without-pip", str(tmp_path / ".venv")], check=True)
    broken = subprocess.run([str(tmp_path / ".venv/bin/python"), "-m", "pip", "--version"], capture_output=True)
    assert broken.returncode != 0  # the state a learner hit: python there, no pip

    out = _make_venv(tmp_path, BASE_PYTHON)

    assert out.returncode == 0, out.stderr
    assert "rebuilding it" in out.stdout
    pip = subprocess.run([str(tmp_path / ".venv/bin/python"), "-m", "pip", "--version"], capture_output=True)
    assert pip.returncode == 0


def test_a_python_without_ensurepip_names_the_package(tmp_path):
    fake = tmp_path / "python-without-venv"
    fake.write_text(f"""#!/bin/sh
if [ "$1" = "-m" ] && [ "$2" = "venv" ]; then
  mkdir -p "$3/bin" && ln -sf {BASE_PYTHON} "$3/bin/python"
  echo "The virtual environment was not created successfully because ensurepip is not"
  echo "available.  On Debian/Ubuntu systems, you need to install the python3-venv package."
  exit 1
fi
exec {BASE_PYTHON} "$@"
""")
    fake.chmod(0o755)

    out = _make_venv(tmp_path, str(fake))

    assert out.returncode != 0
    assert "apt-get install python3-venv" in out.stderr
    assert not (tmp_path / ".venv").exists()  # nothing half-built is left for the next run


def test_a_good_venv_is_kept(tmp_path):
    subprocess.run([BASE_PYTHON, "-m", "venv", str(tmp_path / ".venv")], check=True)
    marker = tmp_path / ".venv" / "kept"
    marker.write_text("")

    out = _make_venv(tmp_path, BASE_PYTHON)

    assert out.returncode == 0, out.stderr
    assert marker.exists() and "rebuilding" not in out.stdout
