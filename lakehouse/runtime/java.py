"""Find the Java that Spark will use and check its version.

Spark 4.x runs on Java 17 and 21. The JVM Spark starts is ``$JAVA_HOME/bin/java`` when
``JAVA_HOME`` is set, else the first ``java`` on ``PATH``.

Example:
    >>> from lakehouse.runtime.java import parse_java_version
    >>> parse_java_version('openjdk version "17.0.15" 2025-04-15')
    17
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from ..errors import JavaNotFoundError, JavaVersionError

SUPPORTED_JAVA = (17, 21)


@dataclass(frozen=True)
class JavaInfo:
    """The java executable Spark will start, and its major version."""

    executable: str
    major: int
    java_home: str | None


def parse_java_version(text: str) -> int | None:
    """Major version from ``java -version`` output (``1.8`` -> 8, ``17.0.15`` -> 17)."""
    m = re.search(r'version "(\d+)(?:\.(\d+))?', text)
    if not m:
        return None
    major = int(m.group(1))
    return int(m.group(2) or 0) if major == 1 else major


def find_java() -> JavaInfo:
    """Locate and check the java Spark will use.

    Raises:
        JavaNotFoundError: no java found (names JAVA_HOME / PATH and the fix).
        JavaVersionError: java found but not 17 or 21.
    """
    java_home = os.environ.get("JAVA_HOME")
    if java_home:
        exe = str(Path(java_home) / "bin" / "java")
        if not os.access(exe, os.X_OK):
            raise JavaNotFoundError(
                f"JAVA_HOME is {java_home!r} but {exe} is not an executable java.",
                fix="point JAVA_HOME at a JDK 17 or 21 (e.g. /usr/lib/jvm/java-17-openjdk-amd64), or unset it.",
            )
    else:
        exe = shutil.which("java") or ""
        if not exe:
            raise JavaNotFoundError(
                "No `java` on PATH and JAVA_HOME is not set; Spark needs Java 17 or 21.",
                fix="install a JDK 17 (Debian/Ubuntu: `apt-get install openjdk-17-jdk-headless`; "
                "macOS: `brew install openjdk@17`) and set JAVA_HOME.",
            )
    try:
        out = subprocess.run([exe, "-version"], capture_output=True, text=True, timeout=30)
    except OSError as exc:
        raise JavaNotFoundError(f"Could not run {exe}: {exc}", fix="reinstall the JDK or fix JAVA_HOME.") from exc
    major = parse_java_version(out.stderr + out.stdout)
    if major not in SUPPORTED_JAVA:
        raise JavaVersionError(
            f"{exe} is Java {major}; Spark 4 needs Java 17 or 21.",
            fix="install JDK 17 and set JAVA_HOME to it (e.g. export JAVA_HOME=/usr/lib/jvm/java-17-openjdk-amd64).",
        )
    return JavaInfo(executable=exe, major=major, java_home=java_home)
