"""The emulated metastore's governance state: owners, grants, row filters, masks, tags, SQL
functions and view definitions, kept in ``LAKEHOUSE_HOME/governance/metastore.json``.

The file is small and read on every governed statement, so every process (notebook kernel,
checks, tests) sees the same state. Full names are ``catalog.schema.object``, lowercased.

Example:
    >>> from lakehouse.governance.store import Metastore
    >>> m = Metastore.empty()
    >>> m.grant("analysts", ("SELECT",), "TABLE", "main.c360.orders")
    >>> m.grants_on("TABLE", "main.c360.orders")
    [('analysts', 'SELECT', 'TABLE', 'main.c360.orders')]
"""

from __future__ import annotations

import copy
import json
import os
import tempfile
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field, fields
from pathlib import Path

from ..runtime.locks import file_lock
from ..runtime.paths import lakehouse_home
from .principals import ADMIN

_SCOPED: ContextVar[Path | None] = ContextVar("lakehouse_metastore_file", default=None)


def metastore_path() -> Path:
    """``LAKEHOUSE_HOME/governance/metastore.json`` (or the file of an enclosing :func:`metastore_file`)."""
    return _SCOPED.get() or lakehouse_home() / "governance" / "metastore.json"


@contextmanager
def metastore_file(path: Path):
    """Keep the governance state of the ``with`` block in ``path``: a sandbox whose grants no other
    process sees (the exam's scenarios use one; a learner's metastore is left as it was).

    Example:
        >>> import tempfile, pathlib
        >>> with metastore_file(pathlib.Path(tempfile.mkdtemp()) / "m.json") as path:
        ...     metastore_path() == path
        True
    """
    token = _SCOPED.set(Path(path))
    try:
        yield Path(path)
    finally:
        _SCOPED.reset(token)


def _merged(base, mine, theirs):
    """Three-way merge of one field: what this process changed since it loaded (``base`` -> ``mine``)
    applied on what is on disk now (``theirs``), so two processes' changes both survive."""
    if isinstance(mine, list):
        added = [x for x in mine if x not in base]
        return [x for x in theirs if x in mine or x not in base] + [x for x in added if x not in theirs]
    out = dict(theirs)
    for key in set(base) | set(mine):
        if key not in mine:
            out.pop(key, None)
        elif base.get(key) != mine[key]:
            out[key] = mine[key]
    return out


def _read(path: Path) -> dict:
    return json.loads(path.read_text()) if path.is_file() else {}


@dataclass
class Metastore:
    """Governance state; mutate with the methods, then :meth:`save`."""

    grants: list = field(default_factory=list)      # [principal, privilege, kind, name]
    owners: dict = field(default_factory=dict)      # "KIND name" -> principal
    filters: dict = field(default_factory=dict)     # table -> {"function", "arguments"}
    masks: dict = field(default_factory=dict)       # table -> {column -> {"function", "arguments"}}
    tags: list = field(default_factory=list)        # [kind, name, column, key, value]
    functions: dict = field(default_factory=dict)   # name -> {"params": [[n, type]], "returns", "body"}
    views: dict = field(default_factory=dict)       # name -> SELECT text (Databricks SQL)
    _base: dict = field(default=None, repr=False, compare=False)  # the state as loaded (for save's merge)

    @classmethod
    def empty(cls) -> "Metastore":
        return cls()

    @classmethod
    def load(cls, path: Path | None = None) -> "Metastore":
        """The saved state (empty when nothing was saved yet)."""
        state = _read(path or metastore_path())
        return cls(**state, _base=copy.deepcopy(state))

    def state(self) -> dict:
        """The saved fields (grants, owners, ...) as plain JSON values."""
        return {f.name: getattr(self, f.name) for f in fields(self) if not f.name.startswith("_")}

    def save(self, path: Path | None = None) -> None:
        """Write the state atomically (a reader never sees half a file), under a lock, merged with
        what other processes saved since this one loaded (a notebook and a job granting at once both
        keep their grants)."""
        path = path or metastore_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        with file_lock(path.with_name(path.name + ".lock")):
            mine = self.state()
            if self._base is not None:
                theirs = _read(path)
                mine = {k: _merged(self._base.get(k, type(v)()), v, theirs.get(k, type(v)())) for k, v in mine.items()}
            fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
            with os.fdopen(fd, "w") as out:
                json.dump(mine, out, indent=1, sort_keys=True)
            os.replace(tmp, path)
        for k, v in mine.items():
            setattr(self, k, v)
        self._base = copy.deepcopy(mine)

    # owners and grants ------------------------------------------------------------------------
    def owner(self, kind: str, name: str) -> str:
        """The owner of an object: who created it through ``lakehouse.sql``, else the course admin."""
        return self.owners.get(f"{kind} {name}", ADMIN)

    def set_owner(self, kind: str, name: str, principal: str) -> None:
        self.owners[f"{kind} {name}"] = principal

    def grant(self, principal: str, privileges, kind: str, name: str) -> None:
        for p in privileges:
            row = [principal, p, kind, name]
            if row not in self.grants:
                self.grants.append(row)

    def revoke(self, principal: str, privileges, kind: str, name: str) -> None:
        drop = {(principal, p, kind, name) for p in privileges}
        if "ALL PRIVILEGES" in privileges:  # REVOKE ALL PRIVILEGES takes back every privilege granted
            drop |= {tuple(g) for g in self.grants if g[0] == principal and g[2:] == [kind, name]}
        self.grants = [g for g in self.grants if tuple(g) not in drop]

    def grants_on(self, kind: str, name: str) -> list[tuple]:
        return [tuple(g) for g in self.grants if g[2] == kind and g[3] == name]

    def forget(self, prefix: str) -> None:
        """Drop everything recorded about ``prefix`` and the objects under it (a dropped table or schema)."""
        def under(name: str) -> bool:
            return name == prefix or name.startswith(prefix + ".")

        self.grants = [g for g in self.grants if not under(g[3])]
        self.owners = {k: v for k, v in self.owners.items() if not under(k.split(" ", 1)[1])}
        self.tags = [t for t in self.tags if not under(t[1])]
        for registry in (self.filters, self.masks, self.functions, self.views):
            for key in [k for k in registry if under(k)]:
                del registry[key]

    # filters, masks, tags ---------------------------------------------------------------------
    def secured(self, table: str) -> bool:
        return table in self.filters or bool(self.masks.get(table))

    def set_tags(self, kind: str, name: str, column: str | None, pairs, unset: bool) -> None:
        keys = {k for k, _ in pairs}
        self.tags = [t for t in self.tags if not (t[:3] == [kind, name, column] and t[3] in keys)]
        if not unset:
            self.tags.extend([kind, name, column, k, v] for k, v in pairs)
