"""Parallel ``make test``: two pytest-xdist workers on one shared engine, lab files kept together.

``make test`` runs the suite in two worker processes (``-n 2 --dist loadgroup``) on the engine
the Makefile started. Every test is put in one of two groups, one per worker:

* ``labs``: the lab notebooks and every test file that makes lab contexts (``lab("05")``, the
  scoreboard's graded runs, the job task notebooks, the workspace): they share lab schemas and
  folders such as ``lab05``, so they must not run at the same time; in this group they run one
  after the other, notebooks first;
* ``other``: every other test file and the package's docstring examples (each uses its own
  schema), one after the other.

The two halves take about as long. One engine serves both: its work on these tiny data sets is
query planning and Delta commit logic, one driver thread per operation, so two clients keep both
cores busy (measured: one shared engine 1135 s, an engine per worker 1386 s, one process ~1400 s;
docs/BENCHMARKS.md). Without a running engine (``pytest -n 2`` outside ``make test``) worker
``gwN`` gets a home and an engine of its own, ``$LAKEHOUSE_TEST_HOME-gwN``, rather than race
another worker to start one.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent

LAB_FILES = frozenset(f"tests/{name}.py" for name in (
    "test_notebooks", "test_course", "test_scoreboard", "test_scoreboard_edge", "test_workspace",
    "test_jobs", "test_capstone", "test_labgen", "test_lab_structure"))


def worker_home(base: Path, worker: str | None) -> Path:
    """The engine home of xdist worker ``worker`` when it cannot share one (``gw0``: ``base``).

    Example:
        >>> worker_home(Path("/b/test-home"), "gw1").name
        'test-home-gw1'
        >>> worker_home(Path("/b/test-home"), None).name
        'test-home'
    """
    return base if worker in (None, "gw0") else base.with_name(f"{base.name}-{worker}")


def pytest_configure(config):
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker in (None, "gw0"):
        return
    from lakehouse.engine import engine_status

    base = Path(os.environ.get("LAKEHOUSE_TEST_HOME", REPO / "build" / "test-home")).resolve()
    if not engine_status(base).running:
        home = worker_home(base, worker)
        os.environ["LAKEHOUSE_TEST_HOME"] = str(home)
        os.environ["LAKEHOUSE_HOME"] = str(home)


def pytest_collection_modifyitems(config, items):
    """Notebooks first; each test in group ``labs`` or ``other`` (used by ``--dist loadgroup``)."""
    items.sort(key=lambda item: 0 if item.nodeid.startswith("tests/test_notebooks.py") else 1)
    for item in items:
        group = "labs" if item.nodeid.split("::")[0] in LAB_FILES else "other"
        item.add_marker(pytest.mark.xdist_group(group))
