"""Shared fixtures: one local Spark engine for the whole test session, a temp dir per test.

The engine's home is ``$LAKEHOUSE_TEST_HOME`` or ``<repo>/build/test-home``; it is wiped at
the start of a run, every notebook run by the tests inherits it, and the engine is stopped
at the end. Grading runs in strict mode, so a failed check in a solution notebook fails.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def test_home() -> Path:
    """The LAKEHOUSE_HOME of this test session (fresh, shared by all tests and notebooks)."""
    from lakehouse.engine import stop_engine

    home = Path(os.environ.get("LAKEHOUSE_TEST_HOME", REPO / "build" / "test-home")).resolve()
    stop_engine(home)
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir(parents=True)
    old = os.environ.get("LAKEHOUSE_HOME")
    os.environ["LAKEHOUSE_HOME"] = str(home)
    yield home
    stop_engine(home)
    if old is None:
        os.environ.pop("LAKEHOUSE_HOME", None)
    else:
        os.environ["LAKEHOUSE_HOME"] = old


@pytest.fixture(scope="session")
def spark(test_home):
    """A Spark session on the shared test engine (Spark Connect)."""
    from lakehouse import get_spark

    return get_spark()
