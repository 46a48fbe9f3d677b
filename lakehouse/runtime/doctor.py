"""``lakehouse doctor``: check the environment and print each problem with its fix.

Checks: Java (17 or 21) and JAVA_HOME, the pinned pyspark / delta-spark pair, the Delta
jar cache, our Delta Connect plugin (a warning when it is not built), the ``lakehouse`` Jupyter kernel, free disk under ``LAKEHOUSE_HOME``, and the
shared engine's state (informational).

Example:
    >>> from lakehouse.runtime.doctor import run_doctor   # doctest: +SKIP
    >>> run_doctor().ok                           # doctest: +SKIP
    True
"""

from __future__ import annotations

import shutil
import sys
from dataclasses import dataclass, field

from ..errors import LakehouseError
from .paths import lakehouse_home, on_databricks

MIN_FREE_GB = 5.0
KERNEL_NAME = "lakehouse"


@dataclass(frozen=True)
class Check:
    """One line of the doctor's report."""

    name: str
    ok: bool
    detail: str
    fix: str | None = None
    warn: bool = False  # ok, but something optional is missing (shown as WARN)


@dataclass(frozen=True)
class DoctorReport:
    """All checks; ``ok`` when none failed."""

    checks: tuple[Check, ...] = field(default_factory=tuple)

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)

    def problems(self) -> list[Check]:
        return [c for c in self.checks if not c.ok]


def _guard(name: str, fn) -> Check:
    try:
        return fn()
    except LakehouseError as exc:
        return Check(name, False, str(exc).split("\n  Fix:")[0], exc.fix)


def _check_java() -> Check:
    from .java import find_java

    info = find_java()
    home = info.java_home or "(unset; using java on PATH)"
    return Check("java", True, f"Java {info.major} at {info.executable}; JAVA_HOME={home}")


def _check_versions() -> Check:
    from .versions import DELTA_VERSION, PYSPARK_VERSION, check_versions

    check_versions()
    return Check("versions", True, f"pyspark {PYSPARK_VERSION} + delta-spark {DELTA_VERSION}; Python "
                 f"{sys.version.split()[0]} at {sys.executable}")


def _check_jars() -> Check:
    from .jars import delta_jars

    jars = delta_jars()
    return Check("jars", True, f"{len(jars)} Delta jars cached in {jars[0].parent}")


def _check_delta_connect() -> Check:
    from .delta_connect import FIX, plugin_jars, up_to_date
    from .engine import engine_status

    jars = plugin_jars()
    if not jars:
        return Check("deltaconn", True, "Delta Connect plugin not built: DeltaTable is off on the shared "
                     "engine (SQL works)", FIX, warn=True)
    st = engine_status()
    loaded = ("; the running engine has it" if st.delta_connect else
              "; the running engine started without it (run `lakehouse engine restart`)") if st.running else ""
    stale = "" if up_to_date() else " (older than delta-connect-plugin/: run `make setup`)"
    return Check("deltaconn", True, f"Delta Connect plugin {jars[0].name}{stale}{loaded}",
                 warn=bool(stale) or (st.running and not st.delta_connect))


def _check_kernel() -> Check:
    try:
        from jupyter_client.kernelspec import KernelSpecManager
    except ImportError:
        return Check("kernel", False, "jupyter_client is not installed", "run `make setup`")
    specs = KernelSpecManager().find_kernel_specs()
    if KERNEL_NAME not in specs:
        return Check("kernel", False, f"no Jupyter kernel named {KERNEL_NAME!r}",
                     "run `make setup` (it registers the kernel in .venv)")
    argv = KernelSpecManager().get_kernel_spec(KERNEL_NAME).argv
    if "lakehouse.notebook" not in argv:  # the Databricks notebook extension (spark, dbutils, %sql)
        return Check("kernel", True, f"Jupyter kernel {KERNEL_NAME!r} at {specs[KERNEL_NAME]} starts without "
                     "spark, dbutils, display and %sql", "run `make setup` (it installs the kernel with them)",
                     warn=True)
    return Check("kernel", True, f"Jupyter kernel {KERNEL_NAME!r} at {specs[KERNEL_NAME]}")


def _check_disk() -> Check:
    home = lakehouse_home()
    probe = home if home.exists() else home.parent
    while not probe.exists():
        probe = probe.parent
    free_gb = shutil.disk_usage(probe).free / 1e9
    if free_gb < MIN_FREE_GB:
        return Check("disk", False, f"{free_gb:.1f} GB free under {probe}",
                     f"free space (the course needs ~{MIN_FREE_GB:.0f} GB) or set LAKEHOUSE_HOME elsewhere")
    return Check("disk", True, f"{free_gb:.0f} GB free under {probe}")


def _check_engine() -> Check:
    from .engine import engine_status
    from .session import spark_mode

    mode = spark_mode()
    st = engine_status()
    state = f"running on port {st.port} (pid {st.pid})" if st.running else "not running (starts on first get_spark())"
    return Check("engine", True, f"mode {mode}; shared engine for {st.home}: {state}")


def run_doctor(*, verbose: bool = True) -> DoctorReport:
    """Run every check; print a report when ``verbose``.

    Returns:
        A :class:`DoctorReport`; ``report.ok`` is False when something needs fixing.
    """
    if on_databricks():
        report = DoctorReport((Check("databricks", True, "running on Databricks: nothing to check"),))
    else:
        report = DoctorReport(tuple(_guard(name, fn) for name, fn in (
            ("java", _check_java), ("versions", _check_versions), ("jars", _check_jars), ("deltaconn", _check_delta_connect),
            ("kernel", _check_kernel), ("disk", _check_disk), ("engine", _check_engine))))
    if verbose:
        for c in report.checks:
            print(f"{('WARN' if c.warn else 'OK  ') if c.ok else 'FAIL'} {c.name:<9} {c.detail}")
            if c.fix:
                print(f"     {'':<9} fix: {c.fix}")
        print("All checks passed." if report.ok else f"{len(report.problems())} problem(s) found.")
    return report
