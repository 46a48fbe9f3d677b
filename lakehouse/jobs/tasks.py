"""What each task kind does, one small function per kind, registered in :data:`KINDS`.

A kind's function gets the task (with ``{{...}}`` references resolved) and the attempt's context,
and returns either an :class:`Outcome` (the task ran in the runner: a condition task) or a
:class:`Launch` (a command the runner starts as its own process, with its timeout and logs).

* ``condition_task`` (https://docs.databricks.com/jobs/if-else.html): ``EQUAL_TO`` / ``NOT_EQUAL``
  compare the operands **as strings** (``"12.0" == "12"`` is false); ``GREATER_THAN``,
  ``GREATER_THAN_OR_EQUAL``, ``LESS_THAN``, ``LESS_THAN_OR_EQUAL`` compare them **as numbers**
  (``"12.0" >= "12"`` is true); a non-numeric operand of an ordering operator fails the task;
* ``notebook_task``: the notebook (``.ipynb`` or source ``.py``) runs with papermill on the course
  kernel (``spark``, ``dbutils`` predefined), its ``base_parameters`` and the job parameters as widgets;
* ``pipeline_task``: the local pipeline runner on the spec ``pipeline_id`` names;
* ``spark_python_task``: the file with its ``parameters`` as arguments;
* ``python_wheel_task``: the entry point of an installed package.

Example:
    >>> compare("EQUAL_TO", "12.0", "12"), compare("GREATER_THAN_OR_EQUAL", "12.0", "12")
    (False, True)
    >>> KINDS["condition_task"]({"op": "LESS_THAN", "left": "3", "right": "10"}, None).extra["condition_task"]["outcome"]
    'true'
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field

from .errors import JobParameterError
from .spec import resolve_file, resolve_notebook, resolve_pipeline

_ORDERING = {"GREATER_THAN": lambda a, b: a > b, "GREATER_THAN_OR_EQUAL": lambda a, b: a >= b,
             "LESS_THAN": lambda a, b: a < b, "LESS_THAN_OR_EQUAL": lambda a, b: a <= b}


@dataclass
class Outcome:
    """A task that ran in the runner: its result state, message and what the run record adds."""

    result: str
    message: str = ""
    extra: dict = field(default_factory=dict)


@dataclass
class Launch:
    """A task to run as a process: the command, the context for ``lakehouse.jobs.task_process``
    (``None`` when the command needs none), and what the run record adds."""

    cmd: list
    context: dict | None = None
    extra: dict = field(default_factory=dict)


@dataclass
class Attempt:
    """What a kind needs to know about the attempt: where the run keeps files, the widget values."""

    run_dir: object
    task_key: str
    attempt: int
    params: dict


def compare(op: str, left, right) -> bool:
    """An if/else condition, as Databricks evaluates it (see the module docstring).

    Raises:
        JobParameterError: an ordering operator with an operand that is not a number.
    """
    left, right = str(left), str(right)
    if op == "EQUAL_TO":
        return left == right
    if op == "NOT_EQUAL":
        return left != right
    try:
        a, b = float(left), float(right)
    except ValueError:
        raise JobParameterError(f"condition {left!r} {op} {right!r}: {op} compares numbers, and "
                                f"{left if not _number(left) else right!r} is not one.",
                                fix="use EQUAL_TO / NOT_EQUAL to compare strings "
                                    "(https://docs.databricks.com/jobs/if-else.html).") from None
    return _ORDERING[op](a, b)


def _number(text: str) -> bool:
    try:
        float(text)
        return True
    except ValueError:
        return False


def condition_task(spec: dict, attempt) -> Outcome:
    """Evaluate the condition; the outcome ``"true"`` / ``"false"`` picks the branch downstream."""
    cond = dict(spec)
    cond["outcome"] = "true" if compare(cond["op"], cond["left"], cond["right"]) else "false"
    return Outcome("SUCCESS", extra={"condition_task": cond})


def notebook_task(spec: dict, attempt: Attempt) -> Launch:
    """Run the notebook with papermill in ``lakehouse.jobs.task_process``."""
    out = attempt.run_dir / "notebooks" / f"{attempt.task_key}-{attempt.attempt}.ipynb"
    out.parent.mkdir(exist_ok=True)
    context = {"kind": "notebook", "notebook": str(resolve_notebook(spec["notebook_path"])),
               "output_notebook": str(out), "widgets": {**spec.get("base_parameters", {}), **attempt.params}}
    return Launch([sys.executable, "-m", "lakehouse.jobs.task_process"], context, {"notebook_task": spec})


def pipeline_task(spec: dict, attempt: Attempt) -> Launch:
    """Run the pipeline update in ``lakehouse.jobs.task_process``."""
    context = {"kind": "pipeline", "pipeline_spec": str(resolve_pipeline(spec["pipeline_id"])),
               "full_refresh": spec.get("full_refresh", False)}
    return Launch([sys.executable, "-m", "lakehouse.jobs.task_process"], context, {"pipeline_task": spec})


def spark_python_task(spec: dict, attempt: Attempt) -> Launch:
    """Run the Python file with its parameters."""
    return Launch([sys.executable, str(resolve_file(spec["python_file"])), *spec.get("parameters", [])],
                  extra={"spark_python_task": spec})


_WHEEL = ("import sys; from importlib.metadata import distribution; "
          "eps = [e for e in distribution(sys.argv[1]).entry_points if e.name == sys.argv[2]]; "
          "sys.exit('no entry point ' + sys.argv[2] + ' in ' + sys.argv[1]) if not eps else None; "
          "sys.argv = [sys.argv[2]] + sys.argv[3:]; r = eps[0].load()(); sys.exit(r if isinstance(r, int) else 0)")


def python_wheel_task(spec: dict, attempt: Attempt) -> Launch:
    """Call the package's entry point with ``parameters`` (or ``named_parameters`` as ``--k=v``)."""
    args = spec.get("parameters") or [f"--{k}={v}" for k, v in spec.get("named_parameters", {}).items()]
    return Launch([sys.executable, "-c", _WHEEL, spec["package_name"], spec["entry_point"], *args],
                  extra={"python_wheel_task": spec})


KINDS = {"condition_task": condition_task, "notebook_task": notebook_task, "pipeline_task": pipeline_task,
         "spark_python_task": spark_python_task, "python_wheel_task": python_wheel_task}
"""Task kind (the task's field) -> the function that runs it."""


def kind_of(task: dict) -> str:
    """The task's kind: the one key of :data:`KINDS` it has (validation made sure there is one)."""
    return next(k for k in KINDS if k in task)
