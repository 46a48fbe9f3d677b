"""Our Delta Connect server plugin: Delta's Python ``DeltaTable`` API on the shared engine.

On a Spark Connect session ``delta.tables.DeltaTable`` sends Delta's own relation and command
messages; the server needs a plugin that understands them. Delta publishes none for Spark 4.2,
so ``delta-connect-plugin/`` (Java, Maven) is ours: ``make setup`` builds it once into
``.jars/delta-connect/`` (the plugin jar plus the unshaded ``protobuf-java`` its messages need)
and the shared engine loads it with ``spark.connect.extensions.relation.classes`` /
``spark.connect.extensions.command.classes``. The build is skipped while the jar matches the
plugin's sources, so later runs are offline.

Without Maven (or offline with an empty Maven cache) setup prints one line and goes on: the
engine starts without the plugin, SQL works, and ``DeltaTable`` raises
:class:`~lakehouse.errors.DeltaConnectMissingError` naming the fix.

Example:
    >>> from lakehouse.runtime.delta_connect import PLUGIN_CONF
    >>> sorted(PLUGIN_CONF)
    ['spark.connect.extensions.command.classes', 'spark.connect.extensions.relation.classes']
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from ..errors import DeltaConnectMissingError
from .paths import jars_dir, repo_root
from .versions import DELTA_VERSION, PYSPARK_VERSION

# Databricks: the DeltaTable API is the Python API for Delta tables in notebooks and jobs
# (https://docs.databricks.com/aws/en/delta/merge and .../delta/history use it next to SQL).
PLUGIN_CONF = {
    "spark.connect.extensions.relation.classes": "lakehouse.deltaconnect.DeltaRelationPlugin",
    "spark.connect.extensions.command.classes": "lakehouse.deltaconnect.DeltaCommandPlugin",
}
ARTIFACT = f"lakehouse-delta-connect-{DELTA_VERSION}-spark-{PYSPARK_VERSION}.jar"
FIX = ("install Maven 3.8+ (e.g. `apt-get install maven`, `brew install maven`) and run `make setup` "
       "while online; until then use SQL (MERGE INTO, DESCRIBE HISTORY, RESTORE, VACUUM) or "
       "LAKEHOUSE_SPARK_MODE=classic")


def source_dir() -> Path | None:
    """``delta-connect-plugin/`` of the repository, or None outside a checkout."""
    root = repo_root()
    return (root / "delta-connect-plugin") if root and (root / "delta-connect-plugin" / "pom.xml").is_file() else None


def cache_dir(directory: Path | None = None) -> Path:
    """Where the built plugin lives: ``<jar cache>/delta-connect``."""
    return (directory or jars_dir()) / "delta-connect"


def _fingerprint(src: Path) -> str:
    """Hash of everything the jar is built from (pom, Java, protos) and the version pair."""
    h = hashlib.sha256(f"{DELTA_VERSION}/{PYSPARK_VERSION}".encode())
    for path in sorted([src / "pom.xml", *(src / "src").rglob("*")]):
        if path.is_file():
            h.update(str(path.relative_to(src)).encode())
            h.update(path.read_bytes())
    return h.hexdigest()


def plugin_jars(directory: Path | None = None) -> list[Path]:
    """The plugin jar and its protobuf-java, or ``[]`` when not built.

    Returns:
        Files to add to the shared engine's ``spark.jars`` (empty: run without the plugin).

    Example:
        >>> plugin_jars(Path("/nonexistent"))
        []
    """
    stamp = cache_dir(directory) / "build.json"
    try:
        jars = [stamp.parent / j for j in json.loads(stamp.read_text())["jars"]]
    except (OSError, ValueError, KeyError):
        return []
    return jars if jars and all(j.is_file() for j in jars) else []


def up_to_date(directory: Path | None = None) -> bool:
    """True when the built plugin matches ``delta-connect-plugin/`` (nothing to rebuild)."""
    src = source_dir()
    stamp = cache_dir(directory) / "build.json"
    if not plugin_jars(directory):
        return False
    if src is None:  # installed without the sources: whatever was built stays
        return True
    try:
        return json.loads(stamp.read_text()).get("fingerprint") == _fingerprint(src)
    except (OSError, ValueError):
        return False


def _compile_inputs() -> dict[str, str]:
    import pyspark

    from .jars import delta_jars

    spark_jars = Path(pyspark.__file__).resolve().parent / "jars"
    scala = sorted(spark_jars.glob("scala-library-*.jar"))
    delta = [j for j in delta_jars() if "delta-spark_" in j.name]
    if not scala or not delta:
        raise DeltaConnectMissingError("pyspark's scala-library jar or the Delta jar is missing.",
                                       fix="run `make setup`.")
    return {"pyspark.jars": str(spark_jars), "delta.jar": str(delta[0]),
            "spark.version": PYSPARK_VERSION,
            "scala.library.version": scala[0].name.removeprefix("scala-library-").removesuffix(".jar")}


def build_plugin(directory: Path | None = None, *, mvn: str | None = None, quiet: bool = False,
                 extra_args: tuple[str, ...] = ()) -> list[Path]:
    """Build the plugin with Maven unless the cached jar is up to date.

    Args:
        directory: the jar cache (default ``.jars``).
        mvn: the Maven executable (default ``$MVN`` or ``mvn`` on ``PATH``).
        quiet: print nothing on success.
        extra_args: more Maven arguments (e.g. ``-Dmaven.repo.local=/tmp/m2`` for a cold build).

    Returns:
        The plugin jar and protobuf-java, ready for ``spark.jars``.

    Raises:
        DeltaConnectMissingError: no Maven, no plugin sources, or the build failed (the
            message has Maven's last lines; ``fix`` says what to do).

    Example:
        >>> build_plugin(mvn="/nonexistent/mvn")   # doctest: +SKIP
        Traceback (most recent call last):
        lakehouse.errors.DeltaConnectMissingError: ...
    """
    if up_to_date(directory):
        return plugin_jars(directory)
    src = source_dir()
    if src is None:
        raise DeltaConnectMissingError("The plugin sources (delta-connect-plugin/) are not here.",
                                       fix="build from a checkout of the course repository.")
    mvn = mvn or os.environ.get("MVN") or shutil.which("mvn")
    if not mvn or not Path(mvn).exists() and not shutil.which(mvn):
        raise DeltaConnectMissingError("Maven (mvn) is not installed, so the Delta Connect plugin "
                                       "cannot be built.", fix=FIX)
    props = _compile_inputs()
    cmd = [mvn, "-B", "-q", "package", *(f"-D{k}={v}" for k, v in props.items()), *extra_args]
    if not quiet:
        print("Building the Delta Connect plugin with Maven (once, 1-3 min) ...", flush=True)
    start = time.monotonic()
    proc = subprocess.run(cmd, cwd=src, capture_output=True, text=True, timeout=1800)
    if proc.returncode != 0:
        tail = [ln for ln in (proc.stdout + proc.stderr).splitlines() if "ERROR" in ln][:4]
        raise DeltaConnectMissingError(
            "Maven could not build the Delta Connect plugin (offline with an empty ~/.m2?): "
            + (" | ".join(tail) or f"exit code {proc.returncode}"), fix=FIX)
    target = cache_dir(directory)
    target.mkdir(parents=True, exist_ok=True)
    built = [src / "target" / ARTIFACT, *sorted((src / "target" / "lib").glob("protobuf-java-*.jar"))]
    for jar in built:
        shutil.copy2(jar, target / jar.name)
    (target / "build.json").write_text(json.dumps({
        "jars": [j.name for j in built], "fingerprint": _fingerprint(src),
        "build_seconds": round(time.monotonic() - start, 1)}, indent=1))
    return plugin_jars(directory)


_ORIGINALS: dict[str, object] = {}
_ENTRY_POINTS = ("forName", "forPath", "convertToDelta", "isDeltaTable", "create", "createIfNotExists",
                 "replace", "createOrReplace")


def guard_delta_table(plugin_loaded: bool) -> None:
    """Make ``DeltaTable`` on a Connect session fail with our error when the engine lacks the plugin.

    Every way to a ``DeltaTable`` over Spark Connect starts at one of its class methods
    (``forName``, ``forPath``, ``create`` ...); without the plugin they would fail later with
    Spark's ``NO_HANDLER_FOR_EXTENSION``. ``get_spark()`` calls this for the shared engine:
    ``False`` swaps those class methods of ``delta.connect.tables.DeltaTable`` for ones that
    raise :class:`~lakehouse.errors.DeltaConnectMissingError`; ``True`` puts the originals back.

    Args:
        plugin_loaded: whether the engine this process talks to has the plugin.
    """
    from delta.connect.tables import DeltaTable

    if plugin_loaded:
        for name, original in _ORIGINALS.items():
            setattr(DeltaTable, name, original)
        _ORIGINALS.clear()
        return
    for name in _ENTRY_POINTS:
        if name not in _ORIGINALS:
            _ORIGINALS[name] = DeltaTable.__dict__[name]

            def missing(cls, *args, _name=name, **kwargs):
                raise DeltaConnectMissingError(
                    f"DeltaTable.{_name} needs the Delta Connect plugin (lakehouse-delta-connect), "
                    "and the shared engine runs without it.",
                    fix=FIX.replace("run `make setup`", "run `make setup` then `lakehouse engine restart`"))

            setattr(DeltaTable, name, classmethod(missing))


def main() -> None:  # pragma: no cover - thin CLI wrapper, exercised by `make setup`
    """``python -m lakehouse.runtime.delta_connect``: build if needed; on failure one line, exit 0."""
    try:
        fresh = not up_to_date()
        jars = build_plugin()
    except DeltaConnectMissingError as exc:
        first = str(exc).splitlines()[0]
        print(f"WARNING [{exc.code}] {first} Fix: {exc.fix}. DeltaTable over the shared engine is off; "
              "SQL works.", file=sys.stderr)
        return
    print(f"Delta Connect plugin {'built' if fresh else 'ready'}: {jars[0]}")


if __name__ == "__main__":
    main()
