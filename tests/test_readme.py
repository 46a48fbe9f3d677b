"""The README's Python examples run as written (against the shared test engine)."""

import os
import re
import subprocess
import sys
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_python_examples_run(test_home):
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)
    assert blocks, "the README has no Python example"
    for code in blocks:
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300,
                             env=dict(os.environ, LAKEHOUSE_HOME=str(test_home)))
        assert out.returncode == 0, out.stderr[-2000:]
        assert "True" in out.stdout


def test_readme_shows_the_two_commands():
    text = README.read_text()
    assert "make lab" in text and "make test" in text
