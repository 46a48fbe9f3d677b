"""Shared fixtures: one local Spark engine for the whole test session, a temp dir per test.

The engine's home is ``$LAKEHOUSE_TEST_HOME`` or ``<repo>/build/test-home``. ``make test``
starts that engine before pytest so that notebooks run by papermill (which inherit
``LAKEHOUSE_HOME``) share it; run alone, the fixture starts a fresh one and stops it at the
end. Solution notebooks run with grading in strict mode.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def test_home() -> Path:
    """The LAKEHOUSE_HOME of this test session, shared by all tests and notebooks."""
    from lakehouse.runtime.engine import engine_status, start_engine, stop_engine

    home = Path(os.environ.get("LAKEHOUSE_TEST_HOME", REPO / "build" / "test-home")).resolve()
    started_here = not engine_status(home).running
    if started_here:
        stop_engine(home)
        shutil.rmtree(home, ignore_errors=True)
        home.mkdir(parents=True)
    old = os.environ.get("LAKEHOUSE_HOME")
    os.environ["LAKEHOUSE_HOME"] = str(home)
    start_engine(home, quiet=True)
    yield home
    if started_here:
        stop_engine(home)
    if old is None:
        os.environ.pop("LAKEHOUSE_HOME", None)
    else:
        os.environ["LAKEHOUSE_HOME"] = old


@pytest.fixture(scope="session")
def spark(test_home):
    """A Spark session on the shared test engine (Spark Connect)."""
    from lakehouse import get_spark

    session = get_spark()
    yield session
    session.stop()  # release the server-side session while the engine still runs


C360_SCALE = 0.01


@pytest.fixture(scope="session")
def c360(spark, tmp_path_factory):
    """The reference Bronze and Silver on a tiny generated data set (scale 0.01), built once.

    Shared by tests/test_c360.py (the numbers add up) and tests/test_gold.py (Gold on top of it).
    Bronze lands in two steps (2 batches, then the rest) to prove the streams are incremental.
    """
    from lakehouse.c360 import bronze, silver
    from lakehouse.datagen import arrive, generate

    root = tmp_path_factory.mktemp("c360")
    manifest = generate(root / "src", scale=C360_SCALE, seed=42, progress=False)
    schema = "spark_catalog.test_c360"
    spark.sql(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
    spark.sql(f"CREATE SCHEMA {schema}")
    kw = dict(schema=schema, checkpoints=str(root / "ckpt"), schemas=str(root / "schemas"))
    arrive(root / "src", root / "landing", batches=2, spark=spark, verbose=False)
    first = bronze.ingest_all(spark, str(root / "landing"), **kw)
    arrive(root / "src", root / "landing", batches="all", spark=spark, verbose=False)
    counts = bronze.ingest_all(spark, str(root / "landing"), **kw)
    again = bronze.ingest_all(spark, str(root / "landing"), **kw)  # nothing new: exactly once
    silver_counts = silver.build(spark, schema)
    yield dict(manifest=manifest, schema=schema, first=first, bronze=counts, again=again,
               silver=silver_counts, root=root)
    spark.sql(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
