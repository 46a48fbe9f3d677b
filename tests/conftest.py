"""Shared fixtures: one local Spark engine for the whole test session, a temp dir per test.

The engine's home is ``$LAKEHOUSE_TEST_HOME`` or ``<repo>/build/test-home``. ``make test``
starts that engine before pytest so that notebooks run by papermill (which inherit
``LAKEHOUSE_HOME``) share it; run alone, the fixture starts a fresh one and stops it at the
end. Solution notebooks run with grading in strict mode.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def test_home() -> Path:
    """The LAKEHOUSE_HOME of this test session, shared by all tests and notebooks."""
    from lakehouse.engine import engine_status, start_engine, stop_engine

    home = Path(os.environ.get("LAKEHOUSE_TEST_HOME", REPO / "build" / "test-home")).resolve()
    started_here = not engine_status(home).running
    if started_here:
        stop_engine(home)
        shutil.rmtree(home, ignore_errors=True)
        home.mkdir(parents=True)
    old = os.environ.get("LAKEHOUSE_HOME")
    os.environ["LAKEHOUSE_HOME"] = str(home)
    start_engine(home, quiet=True)
    yield home
    if started_here:
        stop_engine(home)
    if old is None:
        os.environ.pop("LAKEHOUSE_HOME", None)
    else:
        os.environ["LAKEHOUSE_HOME"] = old


@pytest.fixture(scope="session")
def spark(test_home):
    """A Spark session on the shared test engine (Spark Connect)."""
    from lakehouse import get_spark

    session = get_spark()
    yield session
    session.stop()  # release the server-side session while the engine still runs
