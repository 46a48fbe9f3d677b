"""The lab context: each lab's own schema, folders and reset, so labs run in any order.

``lab("02_auto_loader_bronze")`` gives a :class:`LabContext` with

* ``catalog`` / ``schema`` — Unity-Catalog-style names. Locally the catalog is Spark's
  session catalog (``spark_catalog``) and the schema ``lab02``; on Databricks the catalog is
  ``$LAKEHOUSE_CATALOG`` (default ``main``) and the schema the same ``lab02``. A graded run
  (``lakehouse grade``, ``LAKEHOUSE_LAB_VARIANT=graded``) uses ``lab02_graded`` and its own folders.
* folders under ``LAKEHOUSE_HOME/labs/<lab>/`` (locally) or the schema's volume
  ``/Volumes/<catalog>/<schema>/files`` (Databricks): ``landing``, ``checkpoints``,
  ``schemas``, ``output``.
* ``reset()`` — stops the lab's streams, drops its schema, empties its folders.
* ``check(name, value)`` / ``answer(name)`` / ``summary()`` — the lab's graded checks, which live in
  the package (:mod:`lakehouse.course.labs`), not in the notebook (see :mod:`lakehouse.course.grading`).

Errors the package raises on purpose (:class:`~lakehouse.errors.LakehouseError`) show in a
notebook as their one-line message, code first, without a traceback: ``lab()`` registers an
IPython handler for them (other exceptions keep their traceback).

Example:
    >>> from lakehouse.course import lab          # doctest: +SKIP
    >>> ctx = lab("00_welcome_and_setup")        # doctest: +SKIP
    lab 00_welcome_and_setup | schema spark_catalog.lab00 | files .lakehouse/labs/00_welcome_and_setup
    >>> ctx.table("people")                      # doctest: +SKIP
    'spark_catalog.lab00.people'
"""

from __future__ import annotations

import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from ..errors import LakehouseError
from .errors import LabError
from .grading import UNSET, Grader
from ..runtime.paths import lakehouse_home, on_databricks
from .catalog import resolve_lab

FOLDERS = ("landing", "checkpoints", "schemas", "output")
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass(frozen=True)
class LabContext:
    """Names, folders and housekeeping of one lab (build it with :func:`lab`)."""

    lab_id: str
    catalog: str
    schema: str
    root: Path
    spark: object
    grader: Grader

    @property
    def number(self) -> str:
        return self.lab_id[:2]

    @property
    def full_schema(self) -> str:
        """``catalog.schema``."""
        return f"{self.catalog}.{self.schema}"

    def table(self, name: str) -> str:
        """Three-level name of a table of this lab: ``catalog.schema.name``.

        Raises:
            LabError: ``name`` is not a plain identifier.
        """
        _check_ident("table name", name)
        return f"{self.catalog}.{self.schema}.{name}"

    def path(self, folder: str, *parts: str) -> str:
        """A path inside one of the lab's folders (``landing``, ``checkpoints``, ``schemas``, ``output``).

        Raises:
            LabError: unknown folder.
        """
        if folder not in FOLDERS:
            raise LabError(f"{folder!r} is not a lab folder.", fix=f"use one of {', '.join(FOLDERS)}.")
        return str(self.root.joinpath(folder, *parts))

    @property
    def landing(self) -> str:
        return self.path("landing")

    def checkpoint(self, name: str) -> str:
        """Checkpoint folder for the stream ``name``."""
        _check_ident("stream name", name)
        return self.path("checkpoints", name)

    def schema_location(self, name: str) -> str:
        """Auto Loader ``cloudFiles.schemaLocation`` folder for the source ``name``."""
        _check_ident("source name", name)
        return self.path("schemas", name)

    def query_name(self, name: str) -> str:
        """A streaming query name tagged with this lab (``reset()`` stops these)."""
        _check_ident("query name", name)
        return f"lab{self.number}_{name}"

    def stop_streams(self) -> int:
        """Stop this session's streaming queries of this lab; returns how many were stopped."""
        prefix = f"lab{self.number}_"
        stopped = 0
        for q in self.spark.streams.active:
            if (q.name or "").startswith(prefix):
                q.stop()
                stopped += 1
        return stopped

    def setup(self) -> "LabContext":
        """Create the schema and folders (idempotent)."""
        self.spark.sql(f"CREATE SCHEMA IF NOT EXISTS {self.full_schema}")
        if on_databricks():
            self.spark.sql(f"CREATE VOLUME IF NOT EXISTS {self.full_schema}.files")
        for folder in FOLDERS:
            Path(self.path(folder)).mkdir(parents=True, exist_ok=True)
        return self

    def reset(self) -> "LabContext":
        """Stop the lab's streams, drop its schema with its tables, empty its folders, set up again."""
        self.stop_streams()
        self._drop()
        return self.setup()

    def _drop(self) -> None:
        """Drop the lab's schema with its tables and empty its folders."""
        self.spark.sql(f"DROP SCHEMA IF EXISTS {self.full_schema} CASCADE")
        for folder in FOLDERS:
            shutil.rmtree(self.path(folder), ignore_errors=True)

    def source_data(self, *, scale: float = 0.1, seed: int = 42) -> Path:
        """The generated C360 data set this lab lands from (made once, shared by all labs).

        It lives in ``LAKEHOUSE_HOME/datasets/scale-<scale>-seed-<seed>``; generating it is
        Spark-free and takes seconds to a minute, with a progress bar the first time (see
        :func:`lakehouse.datagen.generate`).
        """
        from ..datagen import generate

        folder = lakehouse_home() / "datasets" / f"scale-{scale:g}-seed-{seed}"
        if not (folder / "_manifest.json").is_file():
            print(f"Generating the C360 data set (scale {scale:g}, seed {seed}; once, shared by every lab) ...",
                  flush=True)
        generate(folder, scale=scale, seed=seed, progress=not (folder / "_manifest.json").is_file())
        return folder

    def arrive(self, batches=1, *, scale: float = 0.1, seed: int = 42) -> list[int]:
        """Land the next ``batches`` batches ("days") of the C360 sources into this lab's landing folder.

        Args:
            batches: how many batches to land, or ``"all"``.
            scale, seed: which generated data set (see :meth:`source_data`).

        Returns:
            The batch numbers landed (``[]`` when every batch has landed).

        Example:
            >>> ctx.arrive(1)                                 # doctest: +SKIP
            [0]
        """
        from ..datagen import arrive

        return arrive(self.source_data(scale=scale, seed=seed), self.landing, batches=batches,
                      spark=self.spark)

    def describe(self) -> str:
        """The one-line description printed when the context is made."""
        return f"lab {self.lab_id} | schema {self.full_schema} | files {self.root}"

    def check(self, name: str | int, value=UNSET, **given):
        """Grade one step of the lab: prints PASS, or FAIL with a nudge (and catches up).

        Args:
            name: the check's name (the TODO's variable, or the table a state check looks at).
            value: the learner's value for a TODO (leave out for a state check).
            **given: notebook values the check needs (e.g. ``good_version=good_version``).

        Returns:
            ``value`` when it passed, the reference value after a FAIL, None for a state check
            (so ``x = ctx.check("x", x)`` is a quiet cell).

        Raises:
            LabError: no such check in this lab.
            GradingError: a failed check in strict mode (``LAKEHOUSE_GRADING=strict``).

        Example:
            >>> crm_stream = ctx.check("crm_stream", crm_stream)    # doctest: +SKIP
            PASS  [1/1] crm_stream: an Auto Loader stream over the CRM JSON, schema stored
        """
        return self.grader.run(name, self, value, **given)

    def answer(self, name: str | int) -> None:
        """Print the full answer of one check, by name or TODO number (only when asked)."""
        self.grader.answer(name)

    def summary(self) -> None:
        """Print the score once, with each failed check and its nudge."""
        self.grader.summary()

    def fails_on_purpose(self, *expected: type[BaseException], what: str, **short):
        """A ``with`` block that must fail with one of ``expected``: the cell prints the failure
        in one line, and raises :class:`LabError` when nothing failed (so ``make test`` notices a
        demonstration that stopped demonstrating). See :func:`lakehouse.course.on_purpose.fails_on_purpose`.

        Example:
            >>> with ctx.fails_on_purpose(ExpectationFailedError, what="expect_or_fail") as shown:   # doctest: +SKIP
            ...     pipelines.run(strict_dir)
            [EXPECTATION_FAILED] ...
        """
        from .on_purpose import fails_on_purpose

        return fails_on_purpose(*expected, what=what, **short)

    def clean_up(self, *, drop: bool = False) -> None:
        """The lab's last cell: stop its streams, print the score, and with ``drop`` free its space.

        Args:
            drop: also drop the lab's schema (its tables) and empty its folders. No other lab
                reads them (each lab has its own schema), so this is always safe; the next run of
                the lab builds them again.

        Example:
            >>> ctx.clean_up()                  # doctest: +SKIP
            lab00: 0 streams stopped; tables and files kept (ctx.clean_up(drop=True) removes them).
            00_welcome_and_setup: 4/4 checks passed, 3/3 points.
        """
        stopped = self.stop_streams()
        if drop:
            self._drop()
            print(f"{self.schema}: {stopped} streams stopped; schema {self.full_schema} dropped, files removed.")
        else:
            print(f"{self.schema}: {stopped} streams stopped; tables and files kept "
                  "(ctx.clean_up(drop=True) removes them).")
        self.grader.summary()


def _check_ident(what: str, value: str) -> None:
    if not isinstance(value, str) or not _IDENT.match(value):
        raise LabError(f"{what} {value!r} is not a plain identifier.",
                       fix="use letters, digits and underscores, starting with a letter.")


def lab(name: str, *, reset: bool = False, spark=None, quiet: bool = False) -> LabContext:
    """Set up and return the context of one lab.

    Args:
        name: ``"NN_topic"`` (or ``"NN"``), a lab of the course map.
        reset: start from a clean slate (drop the lab's schema and folders first).
        spark: a session to use; default :func:`lakehouse.get_spark`.
        quiet: do not print the one-line summary.

    Returns:
        The :class:`LabContext`, with its schema and folders created.

    Raises:
        LabError: unknown lab.

    Example:
        >>> ctx = lab("01", reset=True)              # doctest: +SKIP
    """
    lab_id = resolve_lab(name)
    if not isinstance(reset, bool):
        raise LabError(f"reset must be True or False, got {reset!r}.")
    show_errors_without_traceback()
    if spark is None:
        from ..runtime.session import get_spark

        spark = get_spark()
    number = lab_id[:2]
    variant = _variant()
    schema = f"lab{number}" + (f"_{variant}" if variant else "")
    if on_databricks():
        catalog = os.environ.get("LAKEHOUSE_CATALOG", "main")
        root = Path(f"/Volumes/{catalog}/{schema}/files")
    else:
        catalog = "spark_catalog"
        root = lakehouse_home() / "labs" / (f"{lab_id}.{variant}" if variant else lab_id)
    from .labs import lab_checks

    ctx = LabContext(lab_id=lab_id, catalog=catalog, schema=schema, root=root, spark=spark,
                     grader=Grader(lab_id, lab_checks(lab_id)))
    ctx.reset() if reset else ctx.setup()
    if not quiet:
        print(ctx.describe())
    return ctx


def _variant() -> str:
    """``LAKEHOUSE_LAB_VARIANT`` (``lakehouse grade`` sets ``graded``): a second set of a lab's
    schema and folders, so a graded run never touches the tables of the notebook the learner has open.

    Raises:
        LabError: the value is not a plain identifier.
    """
    variant = os.environ.get("LAKEHOUSE_LAB_VARIANT", "").strip()
    if variant:
        _check_ident("LAKEHOUSE_LAB_VARIANT", variant)
    return variant


def show_errors_without_traceback() -> bool:
    """In IPython, show :class:`LakehouseError` as one message, without a traceback.

    The cell still fails (papermill and nbval see the error); other exceptions keep IPython's
    usual traceback. Returns True when an IPython shell was found.
    """
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    if shell is None:
        return False
    if not getattr(shell, "_lakehouse_notebook", False):  # the course kernel already shows them (lakehouse.notebook)
        from ..notebook.kernel import one_line

        shell.set_custom_exc((LakehouseError,), one_line)
    return True
