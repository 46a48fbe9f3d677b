"""The pinned pyspark / delta-spark pair and the Delta jar coordinate that goes with it.

delta-spark's wheel holds only Python; its jars come from Maven Central and must match
both the Spark version (artifact suffix ``_<spark major.minor>_2.13``) and the Delta version.

Example:
    >>> from lakehouse.runtime.versions import delta_coordinate
    >>> delta_coordinate()
    'io.delta:delta-spark_4.2_2.13:4.4.0'
"""

from __future__ import annotations

from importlib import metadata

from ..errors import VersionMismatchError

PYSPARK_VERSION = "4.2.0"
# delta-spark 4.4.1 is on PyPI but its jars are not on Maven Central as reached from here
# (only 4.4.0 is), so the pair is pyspark 4.2.0 + delta-spark 4.4.0.
DELTA_VERSION = "4.4.0"
SCALA_BINARY = "2.13"


def delta_coordinate(spark_version: str = PYSPARK_VERSION, delta_version: str = DELTA_VERSION) -> str:
    """Maven coordinate of the Delta jar built for this Spark line."""
    major_minor = ".".join(spark_version.split(".")[:2])
    return f"io.delta:delta-spark_{major_minor}_{SCALA_BINARY}:{delta_version}"


def installed_version(dist: str) -> str | None:
    """Version of an installed distribution, or None when it is not installed."""
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def check_versions(found: dict[str, str | None] | None = None) -> None:
    """Raise when the environment's pyspark / delta-spark are not the pinned pair.

    Args:
        found: versions to check (default: the installed ones), e.g. ``{"pyspark": "3.5.1", ...}``.

    Raises:
        VersionMismatchError: names each package found and the version expected.

    Example:
        >>> check_versions({"pyspark": PYSPARK_VERSION, "delta-spark": DELTA_VERSION})
    """
    if found is None:
        found = {"pyspark": installed_version("pyspark"), "delta-spark": installed_version("delta-spark")}
    wanted = {"pyspark": PYSPARK_VERSION, "delta-spark": DELTA_VERSION}
    wrong = [f"{n} {found[n] or 'not installed'} (expected {wanted[n]})" for n in wanted if found[n] != wanted[n]]
    if wrong:
        raise VersionMismatchError(
            "This environment has " + ", ".join(wrong) + ".",
            fix="run `make setup` (it reinstalls the pinned pair), or delete .venv and run `make setup`.",
        )
