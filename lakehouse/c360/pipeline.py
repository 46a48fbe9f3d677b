"""``make pipeline``: the whole Customer 360 as one declarative pipeline, end to end.

Generates the data set when missing, lands every batch, runs the pipeline in
``lakehouse/c360/pipelines/`` (publishing to ``c360_bronze``, ``c360_silver``, ``c360_gold``)
with its storage and landing folder under ``LAKEHOUSE_HOME/pipelines/c360``, and prints a
summary: rows per table, expectations passed/failed, where the event log is.

Example:
    >>> from lakehouse.c360.pipeline import SPEC
    >>> SPEC.name
    'spark-pipeline.yml'
"""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path

SPEC = Path(__file__).resolve().parent / "pipelines" / "spark-pipeline.yml"


def c360_spec(home: Path | None = None):
    """The C360 pipeline spec with storage and landing under ``home`` (default LAKEHOUSE_HOME)."""
    from ..runtime.paths import lakehouse_home
    from ..pipelines import load_spec

    root = Path(home or lakehouse_home()) / "pipelines" / "c360"
    conf = dict(load_spec(SPEC).configuration)
    conf["c360.landing"] = str(root / "landing")
    return dataclasses.replace(load_spec(SPEC), storage=str(root / "storage"), configuration=tuple(conf.items()))


def run_c360(*, scale: float = 1.0, seed: int = 42, full_refresh: bool = False, spark=None):
    """Generate (if missing) and land the C360 data, run the pipeline, print a summary.

    Returns:
        The :class:`lakehouse.pipelines.UpdateResult`.
    """
    from ..datagen import arrive, generate
    from ..runtime.paths import lakehouse_home
    from ..pipelines import run
    from ..runtime.session import get_spark

    started = time.monotonic()
    spark = spark or get_spark()
    data = lakehouse_home() / "datasets" / f"scale-{scale:g}-seed-{seed}"
    if not (data / "_manifest.json").is_file():
        print(f"generating the C360 data set (scale {scale:g}) ...", flush=True)
        generate(data, scale=scale, seed=seed, progress=False)
    spec = c360_spec()
    landed = arrive(data, dict(spec.configuration)["c360.landing"], batches="all", spark=spark, verbose=False)
    print(f"landed {len(landed)} new batches ({time.monotonic() - started:.0f} s)", flush=True)
    result = run(spec, spark=spark, full_refresh=full_refresh)
    print("\nrows per table:")
    for name, rows in result.rows().items():
        total = spark.table(_full(spec, name)).count()
        print(f"  {_full(spec, name):<40} {total:>10,} rows ({rows:,} written by this update)")
    print("\nexpectations (this update):")
    for name, ds in result.datasets.items():
        for e in ds.expectations:
            print(f"  {name}.{e['name']:<28} passed {e['passed_records']:>9,}  failed {e['failed_records']:>7,}")
    print(f"\nevent log: {result.event_log}\n  (a DataFrame: lakehouse.pipelines.event_log(lakehouse.c360.pipeline.c360_spec()))")
    if result.state == "COMPLETED":
        _gold(spark, spec)
    print(f"make pipeline done in {time.monotonic() - started:.0f} s")
    return result


def _full(spec, name: str) -> str:
    from ..pipelines.resolve import qualify

    return qualify(name, spec.catalog, spec.schema)


def _gold(spark, spec) -> None:
    """The reference Gold (:mod:`lakehouse.c360.gold`) from the pipeline's Silver, and its HTML report."""
    from ..runtime.paths import lakehouse_home
    from . import gold
    from .report import write_report

    started = time.monotonic()
    silver_schema = _full(spec, "customers").rsplit(".", 1)[0]
    gold_schema = "spark_catalog.c360_gold"
    spark.sql(f"CREATE SCHEMA IF NOT EXISTS {gold_schema}")
    counts = gold.build(spark, gold_schema, silver_schema=silver_schema)
    print(f"\ngold ({time.monotonic() - started:.0f} s): "
          + ", ".join(f"{gold_schema}.{t} {counts[k]:,} rows" for k, t in gold.table_names().items()))
    print(f"report: {write_report(spark, gold_schema, lakehouse_home() / 'reports')}")
