"""The Delta jar cache: fetched once from Maven Central, then used offline.

``fetch_jars()`` lets Spark's own Ivy resolver (which looks in ``~/.m2/repository`` first,
then Maven Central) resolve the Delta coordinate into ``<jars_dir>/ivy``; the jars Spark
already ships (hadoop, parquet, jackson, log4j ...) are left out so that one version of
each library is on the classpath. The chosen files are listed in a manifest; later runs
pass them as ``spark.jars`` and never touch the network.

Example:
    >>> from lakehouse.runtime.jars import artifact_name
    >>> artifact_name("io.delta_delta-spark_4.2_2.13-4.4.0.jar")
    'delta-spark_4.2_2.13'
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from ..errors import JarsMissingError
from .paths import jars_dir
from .versions import DELTA_VERSION, PYSPARK_VERSION, delta_coordinate

# A resolution that lacks these is partial (e.g. a jar found in ~/.m2 without its POM offline).
REQUIRED_ARTIFACTS = (delta_coordinate().split(":")[1], "delta-storage")
_IVY_PROBLEM = re.compile(r"not found|unresolved|UNRESOLVED|FAILED|Host |UnknownHost|Connection|JAVA_HOME")
_JAR_RE = re.compile(r"^(?P<artifact>.+?)-(?P<version>\d[^/]*)\.jar$")


def artifact_name(jar_file: str, *, ivy: bool = True) -> str:
    """Artifact id of a jar file name; Ivy names carry a ``<group>_`` prefix, Spark's do not."""
    name = Path(jar_file).name
    if ivy:
        name = name.split("_", 1)[1]
    m = _JAR_RE.match(name)
    return m.group("artifact") if m else name


def manifest_path(directory: Path | None = None) -> Path:
    """The manifest listing the jars for the pinned Spark/Delta pair."""
    return (directory or jars_dir()) / f"delta-{DELTA_VERSION}-spark-{PYSPARK_VERSION}.json"


def delta_jars(directory: Path | None = None) -> list[Path]:
    """The cached Delta jars for the pinned pair.

    Raises:
        JarsMissingError: the cache is empty or a listed jar is gone (names the fix).
    """
    manifest = manifest_path(directory)
    if not manifest.is_file():
        raise JarsMissingError(
            f"The Delta jars ({delta_coordinate()}) are not in the local cache {manifest.parent}.",
            fix="run `make setup` once while online (it fetches them from Maven Central).",
        )
    jars = [manifest.parent / j for j in json.loads(manifest.read_text())["jars"]]
    missing = [str(j) for j in jars if not j.is_file()]
    if missing:
        raise JarsMissingError(
            f"The jar cache lists files that are gone: {', '.join(missing)}.",
            fix=f"delete {manifest} and run `make setup` while online.",
        )
    return jars


def _spark_shipped_artifacts() -> set[str]:
    import pyspark

    return {artifact_name(p.name, ivy=False) for p in (Path(pyspark.__file__).parent / "jars").glob("*.jar")}


_RESOLVER = """
import sys
from pyspark.sql import SparkSession
spark = (SparkSession.builder.master("local[1]").appName("lakehouse-jars")
         .config("spark.jars.packages", sys.argv[1]).config("spark.jars.ivy", sys.argv[2])
         .config("spark.ui.enabled", "false").getOrCreate())
print("JARS=" + spark.sparkContext.getConf().get("spark.jars"))
spark.stop()
"""


def fetch_jars(directory: Path | None = None, *, quiet: bool = False) -> list[Path]:
    """Resolve the Delta jars once into the cache (idempotent; a no-op when cached).

    Returns:
        The jar files to put on Spark's classpath.

    Raises:
        JarsMissingError: the resolution failed (offline, no ``~/.m2`` copy), with the fix.
    """
    directory = (directory or jars_dir()).resolve()
    try:
        return delta_jars(directory)
    except JarsMissingError:
        pass
    directory.mkdir(parents=True, exist_ok=True)
    coordinate = delta_coordinate()
    if not quiet:
        print(f"Fetching {coordinate} and its dependencies into {directory} (once) ...", flush=True)
    proc = subprocess.run(
        [sys.executable, "-c", _RESOLVER, coordinate, str(directory / "ivy")],
        capture_output=True, text=True, timeout=1800,
    )
    line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("JARS=")), None)
    resolved = [Path(u.removeprefix("file:")) for u in (line or "JARS=")[5:].split(",") if u]
    names = {artifact_name(p.name) for p in resolved}
    if proc.returncode != 0 or not set(REQUIRED_ARTIFACTS) <= names:
        # Ivy's own lines say what failed (host not found, unresolved dependency); no traceback.
        ivy_lines = [ln.strip() for ln in (proc.stderr or "").splitlines() if _IVY_PROBLEM.search(ln)]
        detail = "\n    ".join(dict.fromkeys(ivy_lines[:6])) or "(no detail from the resolver)"
        raise JarsMissingError(
            f"Could not resolve {coordinate} and its dependencies from Maven Central or ~/.m2 "
            f"(offline?). The resolver said:\n    {detail}",
            fix=f"connect to the network and run `make setup`; or fill ~/.m2 with "
            f"`mvn dependency:get -Dartifact={coordinate}` and run `make setup` again.",
        )
    shipped = _spark_shipped_artifacts()
    keep = [p for p in resolved if artifact_name(p.name) not in shipped]
    rel = [str(p.relative_to(directory)) for p in keep]
    manifest_path(directory).write_text(json.dumps({"coordinate": coordinate, "jars": rel}, indent=1))
    return delta_jars(directory)


def main() -> None:  # pragma: no cover - thin CLI wrapper, exercised by `make setup`
    """``python -m lakehouse.runtime.jars``: fetch the jars and print where they are."""
    try:
        jars = fetch_jars()
    except JarsMissingError as exc:
        print(f"ERROR {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    print(f"Delta jars ready: {len(jars)} files in {jars[0].parent}")


if __name__ == "__main__":
    main()
