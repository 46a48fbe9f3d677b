"""The package's shape: the layer contract, no import cycles, no private names across modules.

The layers and the one registration point are declared in ``pyproject.toml``
(``[tool.importlinter]``) and described in docs/ARCHITECTURE.md. Imports inside functions count
(grimp reads every import statement of a module).
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "lakehouse"
TOP_LEVEL_LIMIT = 12  # issue 28: the top of lakehouse/ keeps only what a notebook imports, cli, errors


def _graph():
    return grimp.build_graph("lakehouse")


def import_cycles(graph) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan), each sorted.

    Example:
        >>> class G:
        ...     edges = {"a": {"b"}, "b": {"a"}, "c": {"a"}}
        ...     modules = set(edges)
        ...     def find_modules_directly_imported_by(self, m): return self.edges[m]
        >>> import_cycles(G())
        [['a', 'b']]
    """
    index, low, stack, on_stack, groups = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph.find_modules_directly_imported_by(v):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for module in sorted(graph.modules):
        if module not in index:
            visit(module)
    return sorted(groups)


def test_the_layer_contract_holds():
    """``lint-imports`` keeps every contract of pyproject.toml; a broken one names the import."""
    out = subprocess.run([str(Path(sys.executable).with_name("lint-imports"))], cwd=ROOT, capture_output=True,
                         text=True)
    assert out.returncode == 0, out.stdout[-4000:] + out.stderr[-2000:]
    assert "0 broken" in out.stdout


def test_no_import_cycles():
    cycles = import_cycles(_graph())
    assert cycles == [], f"import cycles (imports inside functions count): {cycles}"


def test_the_top_of_the_package_stays_small():
    modules = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert len(modules) <= TOP_LEVEL_LIMIT, modules


def _private_imports() -> list[str]:
    found = []
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.ImportFrom) and (node.level or (node.module or "").startswith("lakehouse")):
                for alias in node.names:
                    if alias.name.startswith("_") and not alias.name.startswith("__"):
                        found.append(f"{path.relative_to(ROOT)}:{node.lineno} imports {alias.name}")
    return found


def test_no_private_names_cross_modules():
    """A name that another module needs is public (no leading underscore)."""
    assert _private_imports() == []


@pytest.mark.parametrize("old, new", [("lakehouse.session", "get_spark"), ("lakehouse.spark_conf", "session_conf"),
                                      ("lakehouse.paths", "repo_root"), ("lakehouse.dp", "expect_or_drop")])
def test_names_notebooks_import_stay_importable(old, new):
    """Notebooks saved before the runtime moved (labs 00-12 at the last release) still import these."""
    module = __import__(old, fromlist=[new])
    assert callable(getattr(module, new))


def test_the_old_realtime_name_still_imports():
    """Lab 05 notebooks saved before the rename import both forms."""
    from lakehouse.c360 import realtime, streaming
    from lakehouse.c360.streaming import SESSION_GAP, WATERMARK_DELAY

    assert streaming.TABLES is realtime.TABLES
    assert (SESSION_GAP, WATERMARK_DELAY) == (realtime.SESSION_GAP, realtime.WATERMARK_DELAY)


def test_the_runtime_finds_the_repository_and_its_files():
    """The runtime's paths survived the move into lakehouse/runtime/ (a wrong ``parent`` once made
    ``repo_root()`` None: no Delta Connect plugin build, no export, no default home)."""
    from lakehouse.runtime import paths, shipping, spark_conf

    assert paths.repo_root() == ROOT
    assert spark_conf._LOG4J.is_file()
    assert shipping.PACKAGE == PACKAGE
