"""Parallel ``make test``: two pytest-xdist workers on one shared engine, lab files kept together.

``make test`` runs the suite in two worker processes (``-n 2``) on the engine the Makefile
started. Every test is put in one of two groups (``pytest_xdist_make_scheduler`` below), one per
worker:

* ``labs``: the lab notebooks and every test file that makes lab contexts (``lab("05")``, the
  scoreboard's graded runs, the job task notebooks, the workspace): they share lab schemas and
  folders such as ``lab05``, so they must not run at the same time; in this group they run one
  after the other, notebooks first;
* ``other``: every other test file and the package's docstring examples (each uses its own
  schema), one after the other.

The two halves take about as long. One engine serves both: its work on these tiny data sets is
query planning and Delta commit logic, one driver thread per operation, so two clients keep both
cores busy (measured, docs/BENCHMARKS.md: 1167-1174 s this way, 1386 s with an engine per
worker, 1489-1515 s in one process in session 6). Without a running engine (``pytest -n 2`` outside ``make test``) worker
``gwN`` gets a home and an engine of its own, ``$LAKEHOUSE_TEST_HOME-gwN``, rather than race
another worker to start one.
"""

from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parent

LAB_FILES = frozenset(f"tests/{name}.py" for name in (
    "test_notebooks", "test_course", "test_scoreboard", "test_scoreboard_edge", "test_workspace",
    "test_jobs", "test_capstone", "test_labgen", "test_lab_structure",
    "test_readme"))  # the README's example makes lab 00's context: it raced test_course's resets of lab00


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
    from lakehouse.runtime.engine import engine_status

    base = Path(os.environ.get("LAKEHOUSE_TEST_HOME", REPO / "build" / "test-home")).resolve()
    if not engine_status(base).running:
        home = worker_home(base, worker)
        os.environ["LAKEHOUSE_TEST_HOME"] = str(home)
        os.environ["LAKEHOUSE_HOME"] = str(home)


def pytest_collection_modifyitems(config, items):
    """The lab notebooks first, so the ``labs`` worker starts on its longest part at once."""
    items.sort(key=lambda item: 0 if item.nodeid.startswith("tests/test_notebooks.py") else 1)


def scope_of(nodeid: str) -> str:
    """``labs`` or ``other``: the group (and so the worker) of a test, by its file.

    Example:
        >>> scope_of("tests/test_course.py::test_reset"), scope_of("lakehouse/cdc/engine.py::x")
        ('labs', 'other')
    """
    return "labs" if nodeid.split("::")[0] in LAB_FILES else "other"


def pytest_xdist_make_scheduler(config, log):
    """xdist's scope scheduler with two scopes, ``labs`` and ``other``: a worker each.

    (xdist's ``--dist loadgroup`` would do this from ``xdist_group`` marks, but it renames node
    ids, which pytest 9 no longer lets it do: the tests of one file ran on both workers.)
    """
    from xdist.scheduler import LoadScopeScheduling

    class TwoGroups(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return scope_of(nodeid)

    return TwoGroups(config, log)
