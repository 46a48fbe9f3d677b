"""The local ``dbutils``: widgets, task values, file system and notebook exit (see the package doc).

Inside a job run started by ``lakehouse jobs run``, the environment variable
``LAKEHOUSE_JOB_CONTEXT`` names a JSON file with the run's folder, the task key and the widget
values; outside a run, widgets hold their defaults and task values behave as in an interactive
Databricks notebook (``get`` returns ``debugValue``). ``lakehouse notebooks run -p NAME VALUE``
passes widget values as the JSON object in ``LAKEHOUSE_WIDGETS``.

Example:
    >>> from lakehouse.dbutils.local import LocalDbutils
    >>> LocalDbutils().jobs.taskValues.get("ingest", "rows", debugValue=0)
    0
"""

from __future__ import annotations

import json
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from ..jobs.errors import DbutilsError

MAX_TASK_VALUE_BYTES = 48 * 1024  # https://docs.databricks.com/jobs/task-values.html
_UNSET = object()


def _job_context() -> dict | None:
    path = os.environ.get("LAKEHOUSE_JOB_CONTEXT")
    if not path:
        return None
    return json.loads(Path(path).read_text(encoding="utf-8"))


class NotebookExit(Exception):
    """Raised by ``dbutils.notebook.exit``: ends the notebook; the job runner counts it a success."""


class Widgets:
    """``dbutils.widgets`` (https://docs.databricks.com/notebooks/widgets.html)."""

    def __init__(self):
        self._defaults: dict = {}

    def _given(self) -> dict:
        ctx = _job_context()
        if ctx:
            return ctx["widgets"]
        given = os.environ.get("LAKEHOUSE_WIDGETS")  # `lakehouse notebooks run -p name value`
        return json.loads(given) if given else {}

    def text(self, name: str, defaultValue: str, label: str | None = None) -> None:
        """Create a text widget (its value: the job's parameter of that name, else ``defaultValue``)."""
        self._defaults[name] = str(defaultValue)

    def dropdown(self, name: str, defaultValue: str, choices: list, label: str | None = None) -> None:
        """Create a dropdown widget.

        Raises:
            DbutilsError: ``defaultValue`` is not one of ``choices``.
        """
        if defaultValue not in choices:
            raise DbutilsError(f"widget {name!r}: default value {defaultValue!r} is not one of the choices {choices}.",
                               fix="give a default that is in the list of choices.")
        self._defaults[name] = str(defaultValue)

    def get(self, name: str) -> str:
        """The widget's value.

        Raises:
            DbutilsError: no widget of that name was created and the run gives no such parameter.
        """
        given = self._given()
        if name in given:
            return str(given[name])
        if name in self._defaults:
            return self._defaults[name]
        raise DbutilsError(f"InputWidgetNotDefined: no widget named {name!r}.",
                           fix=f'create it first: dbutils.widgets.text("{name}", "default").')

    def getAll(self) -> dict:
        """Every widget's value, ``{name: value}``."""
        return {**self._defaults, **{k: str(v) for k, v in self._given().items()}}

    def remove(self, name: str) -> None:
        """Remove one widget."""
        self._defaults.pop(name, None)

    def removeAll(self) -> None:
        """Remove every widget."""
        self._defaults.clear()


class TaskValues:
    """``dbutils.jobs.taskValues`` (https://docs.databricks.com/jobs/task-values.html)."""

    def set(self, key: str, value) -> None:
        """Set a task value for downstream tasks (JSON-serialisable, at most 48 KiB as JSON).

        Outside a job run the call is accepted and has no effect, as on Databricks.

        Raises:
            DbutilsError: a key that is not a string, a value that is not JSON, or over 48 KiB.
        """
        if not isinstance(key, str):
            raise DbutilsError(f"task value key must be a string, got {type(key).__name__}.")
        try:
            text = json.dumps(value)
        except (TypeError, ValueError):
            raise DbutilsError(f"task value {key!r}: a {type(value).__name__} cannot be written as JSON.",
                               fix="set a string, number, bool, list or dict.") from None
        if len(text.encode("utf-8")) > MAX_TASK_VALUE_BYTES:
            raise DbutilsError(f"task value {key!r} is {len(text.encode())} bytes as JSON; the limit is 48 KiB.",
                               fix="pass a table name or a path instead of the data.")
        ctx = _job_context()
        if ctx is None:
            return
        path = Path(ctx["run_dir"]) / "values" / f"{ctx['task_key']}.json"
        current = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
        current[key] = value
        path.write_text(json.dumps(current), encoding="utf-8")

    def get(self, taskKey: str, key: str, default=_UNSET, debugValue=_UNSET):
        """A value an upstream task set.

        Args:
            taskKey: the task that set it.
            key: its key.
            default: returned when the task set no such key (in a job run).
            debugValue: returned outside a job run (an interactive notebook).

        Raises:
            DbutilsError: outside a run without ``debugValue``, or in a run when the key is
                missing and there is no ``default``.
        """
        ctx = _job_context()
        if ctx is None:
            if debugValue is _UNSET:
                raise DbutilsError(f"taskValues.get({taskKey!r}, {key!r}) outside a job run needs debugValue.",
                                   fix="pass debugValue=... for interactive runs.")
            return debugValue
        path = Path(ctx["run_dir"]) / "values" / f"{taskKey}.json"
        values = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
        if key in values:
            return values[key]
        if default is _UNSET:
            raise DbutilsError(f"task {taskKey!r} set no task value {key!r} in this run.",
                               fix="pass default=..., or check the task key and that the task runs upstream.")
        return default


class Jobs:
    """``dbutils.jobs``."""

    def __init__(self):
        self.taskValues = TaskValues()


class Notebook:
    """``dbutils.notebook``."""

    def exit(self, value: str = "") -> None:
        """End the notebook with ``value`` (the task's ``notebook_output.result`` in a job run).

        Raises:
            NotebookExit: always; it stops the notebook (the job runner counts it a success).
        """
        ctx = _job_context()
        if ctx is not None:
            folder = Path(ctx["run_dir"]) / "exit"
            folder.mkdir(exist_ok=True)
            (folder / f"{ctx['task_key']}.json").write_text(json.dumps(str(value)), encoding="utf-8")
        raise NotebookExit(f"Notebook exited: {value}")


@dataclass(frozen=True)
class FileInfo:
    """An entry of ``dbutils.fs.ls`` (Databricks' fields)."""

    path: str
    name: str
    size: int
    modificationTime: int


_VOLUME = re.compile(r"^/Volumes/(?P<catalog>[^/]+)/(?P<schema>[^/]+)/(?P<volume>[^/]+)(?P<rest>/.*)?$")


def local_path(path: str) -> Path:
    """Where a Databricks path lives locally.

    ``file:/x`` -> ``/x``; ``dbfs:/x`` -> ``LAKEHOUSE_HOME/dbfs/x``; ``/Volumes/c/labNN/files/x`` -> the
    lab's folder ``LAKEHOUSE_HOME/labs/NN_*/x``; other ``/Volumes/c/s/v/x`` ->
    ``LAKEHOUSE_HOME/volumes/c/s/v/x``; anything else is a local path.

    Example:
        >>> local_path("file:/tmp/a.txt")
        PosixPath('/tmp/a.txt')
    """
    from ..runtime.paths import lakehouse_home

    if not isinstance(path, str) or not path:
        raise DbutilsError(f"a path must be a non-empty string, got {path!r}.")
    if path.startswith("file:"):
        return Path(path[5:])
    if path.startswith("dbfs:"):
        return lakehouse_home() / "dbfs" / path[5:].lstrip("/")
    m = _VOLUME.match(path)
    if m:
        rest = (m["rest"] or "").lstrip("/")
        lab = re.fullmatch(r"lab(\d\d)", m["schema"])
        if lab and m["volume"] == "files":
            found = sorted((lakehouse_home() / "labs").glob(f"{lab[1]}_*"))
            if found:
                return found[0] / rest
        return lakehouse_home() / "volumes" / m["catalog"] / m["schema"] / m["volume"] / rest
    return Path(path)


class Fs:
    """``dbutils.fs`` on local files (https://docs.databricks.com/dev-tools/databricks-utils.html#file-system-utility-dbutilsfs)."""

    def ls(self, dir: str) -> list:
        """The entries of a folder (a file lists itself), as ``FileInfo``; folders end with ``/``."""
        p = self._existing(dir)
        items = sorted(p.iterdir()) if p.is_dir() else [p]
        base = dir.rstrip("/")
        out = []
        for item in items:
            st = item.stat()
            name = item.name + ("/" if item.is_dir() else "")
            out.append(FileInfo(path=(base + "/" + name) if p.is_dir() else dir, name=name,
                                size=0 if item.is_dir() else st.st_size, modificationTime=int(st.st_mtime * 1000)))
        return out

    def mkdirs(self, dir: str) -> bool:
        """Create a folder and its parents; True."""
        local_path(dir).mkdir(parents=True, exist_ok=True)
        return True

    def put(self, file: str, contents: str, overwrite: bool = False) -> bool:
        """Write a string to a file (UTF-8).

        Raises:
            DbutilsError: the file exists and ``overwrite`` is False.
        """
        p = local_path(file)
        if p.exists() and not overwrite:
            raise DbutilsError(f"{file} already exists.", fix="pass overwrite=True to replace it.")
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(contents, encoding="utf-8")
        return True

    def head(self, file: str, maxBytes: int = 65536) -> str:
        """The first ``maxBytes`` bytes of a file, as text."""
        with open(self._existing(file), "rb") as fh:
            return fh.read(maxBytes).decode("utf-8", errors="replace")

    def cp(self, from_: str, to: str, recurse: bool = False) -> bool:
        """Copy a file (or a folder with ``recurse=True``)."""
        src, dst = self._existing(from_), local_path(to)
        if src.is_dir():
            if not recurse:
                raise DbutilsError(f"{from_} is a folder.", fix="pass recurse=True to copy a folder.")
            shutil.copytree(src, dst, dirs_exist_ok=True)
        else:
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dst)
        return True

    def mv(self, from_: str, to: str, recurse: bool = False) -> bool:
        """Move a file (or a folder with ``recurse=True``)."""
        src, dst = self._existing(from_), local_path(to)
        if src.is_dir() and not recurse:
            raise DbutilsError(f"{from_} is a folder.", fix="pass recurse=True to move a folder.")
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(src), str(dst))
        return True

    def rm(self, dir: str, recurse: bool = False) -> bool:
        """Remove a file (or a folder with ``recurse=True``); False when nothing was there."""
        p = local_path(dir)
        if not p.exists():
            return False
        if p.is_dir():
            if not recurse and any(p.iterdir()):
                raise DbutilsError(f"{dir} is a non-empty folder.", fix="pass recurse=True to remove it.")
            shutil.rmtree(p)
        else:
            p.unlink()
        return True

    def _existing(self, path: str) -> Path:
        p = local_path(path)
        if not p.exists():
            raise DbutilsError(f"java.io.FileNotFoundException: {path} (local {p}) does not exist.",
                               fix="check the path; dbutils.fs.ls on its folder shows what is there.")
        return p


class LocalDbutils:
    """The local ``dbutils``: ``widgets``, ``jobs.taskValues``, ``fs``, ``notebook``.

    Example:
        >>> LocalDbutils().fs.put("file:/tmp/lakehouse-dbutils-doc.txt", "hi", overwrite=True)
        True
    """

    def __init__(self):
        self.widgets = Widgets()
        self.jobs = Jobs()
        self.fs = Fs()
        self.notebook = Notebook()
