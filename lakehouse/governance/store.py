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

import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from ..runtime.paths import lakehouse_home
from .principals import ADMIN


def metastore_path() -> Path:
    """``LAKEHOUSE_HOME/governance/metastore.json``."""
    return lakehouse_home() / "governance" / "metastore.json"


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

    @classmethod
    def empty(cls) -> "Metastore":
        return cls()

    @classmethod
    def load(cls, path: Path | None = None) -> "Metastore":
        """The saved state (empty when nothing was saved yet)."""
        path = path or metastore_path()
        if not path.is_file():
            return cls()
        return cls(**json.loads(path.read_text()))

    def save(self, path: Path | None = None) -> None:
        """Write the state atomically (a reader never sees half a file)."""
        path = path or metastore_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        with os.fdopen(fd, "w") as out:
            json.dump(self.__dict__, out, indent=1, sort_keys=True)
        os.replace(tmp, path)

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
