"""Reference answers written once: the code ``ctx.answer`` shows, the catch-up runs and ``make labs``
writes into the solution notebook's ``# BEGIN SOLUTION`` block.

A lab module (:mod:`lakehouse.course.labs`) gives an exercise's :class:`~lakehouse.course.grading.Check`
its reference as ``answer=`` — a function whose **body is the answer**::

    def _tx_deduped_answer(spark, layout, WATERMARK_DELAY):
        tx_deduped = (spark.readStream.table(layout.table("bronze"))
                      .withWatermark("event_ts", WATERMARK_DELAY)
                      .dropDuplicatesWithinWatermark(["transaction_id"]))
        return tx_deduped

* the answer text is the body (``inspect.getsource``) without a last ``return <name>`` line;
* the catch-up calls the function itself, so it runs exactly that text. Its parameters are the
  notebook's names the answer uses, bound by name from the check cell's keywords, then ``ctx`` and
  ``spark``, then the notebook's own namespace (where the answer would have run), then ``F`` and
  ``Window`` (``pyspark.sql``);
* ``make labs`` (:mod:`lakehouse.course.labgen`) writes the text into the block of the cell whose
  ``# TODO n`` line has the check's number, and ``tests/test_answers.py`` fails when they differ.

Why the package and not the notebook holds it: the package is there on every route (editable
install, a wheel on a cluster, ``make export``'s source files), ``solutions/*.ipynb`` is not, and
a function is code that a catch-up can run, lint and test, where a notebook block is only text.

A pipeline source file (lab 07) is a :class:`FileAnswer`: the file's reference text with its
``# BEGIN SOLUTION`` block; the answer is the block, the catch-up writes the whole file.

An answer a Databricks user writes as SQL (a MERGE, a RESTORE, a constraint, tags) is a
:class:`SqlAnswer`: its text is the block of a ``%sql`` cell (markers ``-- BEGIN SOLUTION`` ...,
see :mod:`lakehouse.course.blocks`), and the catch-up runs it as that cell would
(:func:`lakehouse.notebook.sqlcell.run_sql`, with the notebook's current schema).

Example:
    >>> def _double_answer(x):
    ...     double = 2 * x
    ...     return double
    >>> ref = reference(_double_answer)
    >>> print(ref.text)
    double = 2 * x
    >>> ref.run(None, None, x=21)
    42
"""

from __future__ import annotations

import ast
import inspect
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from .errors import LabError

STANDARD_NAMES = {"F": ("pyspark.sql", "functions"), "Window": ("pyspark.sql", "Window")}


def _notebook_namespace() -> dict:
    """The running notebook's user namespace (IPython), or ``{}`` outside one."""
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython ships with the course
        return {}
    shell = get_ipython()
    return getattr(shell, "user_ns", None) or {}


def _standard(name: str):
    import importlib

    module, attr = STANDARD_NAMES[name]
    return getattr(importlib.import_module(module), attr)


def body_text(fn: Callable) -> tuple[str, str | None]:
    """The body of ``fn`` as source text (docstring and a last ``return <name>`` left out).

    Returns:
        ``(text, returned)``: the dedented body, and the name the last line returns (or None).

    Raises:
        LabError: ``fn`` is not a plain ``def`` whose source can be read.

    Example:
        >>> def _f(a):
        ...     # a comment stays
        ...     b = a + 1
        ...     return b
        >>> body_text(_f)
        ('# a comment stays\\nb = a + 1', 'b')
    """
    try:
        source = textwrap.dedent(inspect.getsource(fn))
    except (OSError, TypeError) as exc:
        raise LabError(f"the reference answer {fn!r} has no readable source: {exc}") from None
    tree = ast.parse(source)
    node = next((n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))), None)
    if node is None:
        raise LabError(f"the reference answer {fn!r} is not a def.")
    body = list(node.body)
    lines = source.splitlines()
    start = max([node.lineno] + [a.end_lineno for a in ast.walk(node.args) if hasattr(a, "end_lineno")]
                + ([node.returns.end_lineno] if node.returns else []))
    if body and isinstance(body[0], ast.Expr) and isinstance(getattr(body[0], "value", None), ast.Constant) \
            and isinstance(body[0].value.value, str):
        start = body[0].end_lineno
        body = body[1:]
    end = node.end_lineno
    returned = None
    if body and isinstance(body[-1], ast.Return) and isinstance(body[-1].value, ast.Name):
        returned = body[-1].value.id
        end = body[-1].lineno - 1
    text = textwrap.dedent("\n".join(lines[start:end])).strip("\n")
    return text, returned


@dataclass(frozen=True)
class Reference:
    """A reference answer given as a function whose body is the answer (see the module docstring).

    Args:
        fn: the function; its parameters are the notebook names the answer uses.
    """

    fn: Callable

    @property
    def text(self) -> str:
        """The answer: the function's body, as ``ctx.answer`` prints it."""
        return body_text(self.fn)[0]

    @property
    def block(self) -> str:
        """What the solution notebook's ``# BEGIN SOLUTION`` block holds (here: the answer text)."""
        return self.text

    @property
    def names(self) -> tuple[str, ...]:
        """The notebook names the answer uses (the function's parameters)."""
        return tuple(inspect.signature(self.fn).parameters)

    def bind(self, ctx, given: dict) -> dict:
        """The value of each name the answer uses: the check's keywords, ``ctx``/``spark``, the notebook's
        namespace, then ``F``/``Window``.

        Raises:
            LabError: a name is found nowhere (the notebook's cells above have not run).
        """
        namespace = None
        values = {}
        for name in self.names:
            if name in given:
                values[name] = given[name]
            elif name == "ctx" and ctx is not None:
                values[name] = ctx
            elif name == "spark" and ctx is not None:
                values[name] = ctx.spark
            else:
                namespace = _notebook_namespace() if namespace is None else namespace
                if name in namespace:
                    values[name] = namespace[name]
                elif name in STANDARD_NAMES:
                    values[name] = _standard(name)
                else:
                    raise LabError(f"the reference answer uses `{name}`, which this notebook has not defined.",
                                   fix="run the cells above this one, then this check again.")
        return values

    def run(self, ctx, value=None, **given) -> Any:
        """The catch-up: run the answer with the notebook's names; returns what its last line names."""
        return self.fn(**self.bind(ctx, given))


@dataclass(frozen=True)
class FileAnswer:
    """A reference answer that is a source file (a pipeline's ``.py``), with its solution block.

    Args:
        source: the whole file as the solution notebook's ``%%writefile`` cell holds it, with one
            ``# BEGIN SOLUTION: <prompt>`` ... ``# END SOLUTION`` block (``# LAB:`` lines allowed).
        path: the check cell's keyword that names the file to write.

    Example:
        >>> ref = FileAnswer("import x\\n# BEGIN SOLUTION: a nudge\\ny = 1\\n# END SOLUTION\\n", path="f")
        >>> ref.text, ref.solution
        ('y = 1', 'import x\\ny = 1\\n')
    """

    source: str
    path: str

    @property
    def text(self) -> str:
        """The answer: the block's code (the rest of the file is given in the lab)."""
        return block_code(self.source)

    @property
    def block(self) -> str:
        return self.text

    @property
    def solution(self) -> str:
        """The file with the block's code in place (markers and ``# LAB:`` lines dropped)."""
        from .blocks import solution_source

        return solution_source(self.source)

    def run(self, ctx, value=None, **given) -> None:
        """The catch-up: write the reference file where the check's ``path`` keyword says."""
        if self.path not in given:
            raise LabError(f"the catch-up needs the keyword {self.path}= in the check cell.")
        Path(given[self.path]).write_text(self.solution)


@dataclass(frozen=True)
class SqlAnswer:
    """A reference answer in Databricks SQL: the block of a ``%sql`` cell, and its catch-up.

    Args:
        sql: one or more statements separated by ``;`` (dedented and stripped here), naming the
            lab's tables as the notebook does (the setup cell makes the lab's schema the current one).

    Example:
        >>> ref = SqlAnswer('''
        ...     RESTORE TABLE customers TO VERSION AS OF 4''')
        >>> ref.text
        'RESTORE TABLE customers TO VERSION AS OF 4'
    """

    sql: str

    @property
    def text(self) -> str:
        """The answer: the statements, as ``ctx.answer`` prints them and the ``%sql`` block holds them."""
        return textwrap.dedent(self.sql).strip("\n")

    @property
    def block(self) -> str:
        return self.text

    def run(self, ctx, value=None, **given) -> None:
        """The catch-up: run the statements in the lab's session, as the ``%sql`` cell runs them."""
        from ..notebook.sqlcell import run_sql

        run_sql(self.text, spark=ctx.spark)


def block_code(source: str) -> str:
    """The code of the one ``# BEGIN SOLUTION`` block of ``source`` (``# LAB:`` lines left out), dedented.

    Example:
        >>> block_code("a\\n  # BEGIN SOLUTION: p\\n  # LAB: x = None\\n  x = 1\\n  # END SOLUTION\\nb")
        'x = 1'
    """
    from .blocks import solution_blocks

    blocks = solution_blocks(source)
    if len(blocks) != 1:
        raise LabError(f"a reference file needs exactly one solution block, found {len(blocks)}.")
    return blocks[0].code


def reference(answer) -> Reference | FileAnswer | SqlAnswer:
    """``answer`` as a reference: a :class:`Reference` for a function, unchanged for a reference.

    Raises:
        LabError: neither a function nor a reference.
    """
    if isinstance(answer, (Reference, FileAnswer, SqlAnswer)):
        return answer
    if inspect.isfunction(answer):
        return Reference(answer)
    raise LabError(f"a reference answer is a function, a FileAnswer or a SqlAnswer, got {type(answer).__name__}.")
