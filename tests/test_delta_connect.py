"""Delta's Python ``DeltaTable`` API over the shared engine (our Delta Connect plugin) gives
what classic mode's ``DeltaTable`` gives: same rows, same history operations, same errors.

This process runs every scenario of ``delta_connect_scenarios.py`` on the shared engine; classic
mode's results are recorded (``tests/data/delta_connect_classic.json``, re-run live in a child
process whenever the scenarios, the engine settings, Spark or Delta change). Each scenario (one
per Delta Connect message) is then its own test, and ``test_the_classic_record_is_current``
fails while the record is stale (the comparison still runs, live, slower).
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

from lakehouse.runtime.delta_connect import build_plugin, guard_delta_table, plugin_jars
from lakehouse.errors import DeltaConnectMissingError, LakehouseError

_PATH = Path(__file__).with_name("delta_connect_scenarios.py")
_spec = importlib.util.spec_from_file_location("delta_connect_scenarios", _PATH)
scenarios = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(scenarios)

needs_plugin = pytest.mark.skipif(not plugin_jars(), reason="the Delta Connect plugin is not built (no Maven?)")


@pytest.fixture(scope="module")
def results(spark, tmp_path_factory):
    """``(connect, classic)`` results of every scenario.

    Classic mode's results are the recorded ones while they are current (same scenarios, engine
    settings, Spark and Delta; ``scenarios.record_key()``); otherwise a classic child process
    runs them live, beside this process, and the test says how to record them again.
    """
    work = tmp_path_factory.mktemp("delta_connect")
    recorded = scenarios.recorded_classic()
    if recorded is not None:
        return scenarios.run_all(spark, work / "connect"), recorded
    env = {k: v for k, v in os.environ.items() if k not in ("SPARK_CONNECT_MODE_ENABLED", "SPARK_REMOTE")}
    env.update(LAKEHOUSE_SPARK_MODE="classic", LAKEHOUSE_HOME=str(work / "classic-home"),
               LAKEHOUSE_DRIVER_MEMORY="1g")
    out = work / "classic.json"
    log = open(work / "classic.log", "w")
    child = subprocess.Popen([sys.executable, str(_PATH), str(work / "classic"), str(out)],
                             env=env, stdout=log, stderr=subprocess.STDOUT)
    connect = scenarios.run_all(spark, work / "connect")
    child.wait(timeout=1200)
    log.close()
    assert child.returncode == 0, (work / "classic.log").read_text()[-3000:]
    warnings.warn(f"classic mode ran live: {scenarios.RECORD.name} is missing or stale. Record it again "
                  "(about 60 s): LAKEHOUSE_SPARK_MODE=classic .venv/bin/python tests/delta_connect_scenarios.py --record")
    return connect, json.loads(out.read_text())


@needs_plugin
@pytest.mark.parametrize("name", list(scenarios.SCENARIOS))
def test_deltatable_over_connect_matches_classic(results, name):
    connect, classic = results
    assert "crashed" not in connect[name], connect[name]
    assert connect[name] == classic[name]


def test_the_classic_record_is_current():
    assert scenarios.recorded_classic() is not None, (
        f"{scenarios.RECORD} is missing or was recorded for other scenarios, engine settings or versions "
        f"(today: {scenarios.record_key()}). Record it again (about 60 s): "
        "LAKEHOUSE_SPARK_MODE=classic .venv/bin/python tests/delta_connect_scenarios.py --record")


@needs_plugin
def test_documented_failures_keep_their_conditions(results):
    connect, _ = results
    # https://docs.databricks.com/aws/en/delta/merge#merge-operation-semantics
    assert connect["merge_into_table"]["several_source_rows"] == {
        "error": "DELTA_MULTIPLE_SOURCE_ROW_MATCHING_TARGET_ROW_IN_MERGE"}
    assert connect["scan"]["missing"]["error"] in ("DELTA_MISSING_DELTA_TABLE", "DELTA_TABLE_NOT_FOUND")
    assert connect["restore_table"]["missing_version"]["error"].startswith("DELTA_")
    assert connect["vacuum_table"]["too_short"]["error"].startswith("DELTA_")


def test_without_the_plugin_deltatable_names_it(spark):
    from delta.tables import DeltaTable

    guard_delta_table(False)
    try:
        with pytest.raises(DeltaConnectMissingError) as info:
            DeltaTable.forName(spark, "any.table")
        assert isinstance(info.value, LakehouseError)
        assert info.value.code == "DELTA_CONNECT_PLUGIN_MISSING"
    finally:
        guard_delta_table(True)
    assert DeltaTable.forName(spark, "any.table") is not None  # lazy again: nothing sent yet


def test_a_missing_maven_is_one_clear_error(tmp_path):
    with pytest.raises(DeltaConnectMissingError) as info:
        build_plugin(tmp_path, mvn=str(tmp_path / "no-mvn"))
    assert info.value.code == "DELTA_CONNECT_PLUGIN_MISSING"
    assert "Maven" in str(info.value) and info.value.fix
