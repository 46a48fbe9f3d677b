import os
import stat
from pathlib import Path

import pytest

from lakehouse.errors import JarsMissingError, JavaNotFoundError, JavaVersionError
from lakehouse.runtime.jars import artifact_name, delta_jars, manifest_path
from lakehouse.runtime.java import find_java, parse_java_version
from lakehouse.runtime.versions import DELTA_VERSION, PYSPARK_VERSION, check_versions, delta_coordinate


def test_pinned_pair_is_installed():
    check_versions()  # raises VersionMismatchError otherwise
    assert delta_coordinate() == f"io.delta:delta-spark_4.2_2.13:{DELTA_VERSION}"
    assert PYSPARK_VERSION.startswith("4.2")


@pytest.mark.parametrize("text,major", [
    ('openjdk version "17.0.15" 2025-04-15', 17),
    ('java version "1.8.0_202"', 8),
    ('openjdk version "21" 2023-09-19', 21),
    ("garbage", None),
])
def test_parse_java_version(text, major):
    assert parse_java_version(text) == major


def _fake_jdk(tmp_path: Path, version_line: str) -> Path:
    home = tmp_path / "jdk"
    (home / "bin").mkdir(parents=True)
    java = home / "bin" / "java"
    java.write_text(f"#!/bin/sh\necho '{version_line}' >&2\n")
    java.chmod(java.stat().st_mode | stat.S_IEXEC)
    return home


def test_old_java_is_refused_with_a_fix(tmp_path, monkeypatch):
    monkeypatch.setenv("JAVA_HOME", str(_fake_jdk(tmp_path, 'openjdk version "11.0.2" 2019-01-15')))
    with pytest.raises(JavaVersionError) as info:
        find_java()
    assert info.value.code == "JAVA_VERSION" and "JAVA_HOME" in info.value.fix


def test_missing_java_names_java_home(tmp_path, monkeypatch):
    monkeypatch.setenv("JAVA_HOME", str(tmp_path / "nope"))
    with pytest.raises(JavaNotFoundError) as info:
        find_java()
    assert str(tmp_path / "nope") in str(info.value)


def test_no_java_on_path(monkeypatch, tmp_path):
    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(JavaNotFoundError) as info:
        find_java()
    assert info.value.code == "JAVA_NOT_FOUND"


def test_real_java_is_supported():
    assert find_java().major in (17, 21)


def test_artifact_names():
    assert artifact_name("io.delta_delta-storage-4.4.0.jar") == "delta-storage"
    assert artifact_name("commons-pool_commons-pool-1.6.jar") == "commons-pool"
    assert artifact_name("zstd-jni-1.5.7-3.jar", ivy=False) == "zstd-jni"


def test_empty_jar_cache_says_how_to_fix(tmp_path):
    with pytest.raises(JarsMissingError) as info:
        delta_jars(tmp_path)
    assert "make setup" in info.value.fix


def test_cache_with_a_missing_file_is_detected(tmp_path):
    manifest_path(tmp_path).write_text('{"coordinate": "x", "jars": ["ivy/jars/gone.jar"]}')
    with pytest.raises(JarsMissingError) as info:
        delta_jars(tmp_path)
    assert "gone.jar" in str(info.value)


def test_real_jar_cache_is_complete():
    jars = delta_jars()
    names = {artifact_name(j.name) for j in jars}
    assert {"delta-spark_4.2_2.13", "delta-storage"} <= names
    assert all(os.path.getsize(j) > 0 for j in jars)


def test_stale_venv_is_named_with_the_fix():
    from lakehouse.errors import VersionMismatchError

    with pytest.raises(VersionMismatchError) as info:
        check_versions({"pyspark": "3.5.1", "delta-spark": None})
    msg = str(info.value)
    assert "pyspark 3.5.1 (expected 4.2.0)" in msg and "delta-spark not installed" in msg
    assert "make setup" in info.value.fix


def _can_unshare_network() -> bool:
    import shutil
    import subprocess

    if os.geteuid() != 0 or not shutil.which("unshare"):
        return False
    return subprocess.run(["unshare", "-n", "true"], capture_output=True).returncode == 0


@pytest.mark.skipif(not _can_unshare_network(), reason="needs root and unshare to cut the network")
def test_offline_fetch_names_the_problem_and_the_fix(tmp_path):
    """A machine with no network and no cached jars: one clear error, no Py4J trace."""
    import subprocess
    import sys

    script = f"ip link set lo up 2>/dev/null; exec {sys.executable} -m lakehouse.runtime.jars"
    out = subprocess.run(["unshare", "-n", "sh", "-c", script], capture_output=True, text=True, timeout=600,
                         env=dict(os.environ, LAKEHOUSE_JARS=str(tmp_path / "jars")))
    assert out.returncode == 2
    assert "ERROR [JARS_MISSING]" in out.stderr and "make setup" in out.stderr
    assert "Traceback" not in out.stderr and "Py4J" not in out.stderr
    assert not list((tmp_path / "jars").glob("*.json"))  # nothing half-cached
