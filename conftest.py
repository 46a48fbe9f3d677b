"""Parallel ``make test``: each pytest-xdist worker gets its own engine home.

``make test`` runs the suite in two worker processes (``-n 2 --dist loadfile``: a test file
stays on one worker). Worker ``gw0`` uses ``$LAKEHOUSE_TEST_HOME`` (the engine the Makefile
started); any other worker ``gwN`` uses ``$LAKEHOUSE_TEST_HOME-gwN`` with an engine of its own,
started by the ``test_home`` fixture (tests/conftest.py). Separate homes keep the workers apart:
the lab notebooks and ``tests/test_course.py`` both use lab schemas and folders such as
``lab05``, which would collide on one engine. Set here, before collection, so that every test
and docstring example of a worker sees its home.
"""

from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parent


def worker_home(base: Path, worker: str | None) -> Path:
    """The engine home of xdist worker ``worker`` (``None`` or ``gw0``: ``base`` itself).

    Example:
        >>> worker_home(Path("/b/test-home"), "gw1").name
        'test-home-gw1'
        >>> worker_home(Path("/b/test-home"), None).name
        'test-home'
    """
    return base if worker in (None, "gw0") else base.with_name(f"{base.name}-{worker}")


def pytest_configure(config):
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker not in (None, "gw0"):
        base = Path(os.environ.get("LAKEHOUSE_TEST_HOME", REPO / "build" / "test-home")).resolve()
        home = worker_home(base, worker)
        os.environ["LAKEHOUSE_TEST_HOME"] = str(home)
        os.environ["LAKEHOUSE_HOME"] = str(home)


def pytest_collection_modifyitems(config, items):
    """The lab notebooks first: they are the longest file, so a worker starts on them at once."""
    items.sort(key=lambda item: 0 if item.nodeid.startswith("tests/test_notebooks.py") else 1)
