"""The same ``DeltaTable`` calls on any session: what each returns, as plain data.

``tests/test_delta_connect.py`` runs :func:`run_all` on the shared engine (Spark Connect, our
plugin) in-process and compares scenario by scenario with classic mode's results: the ones
recorded in ``tests/data/delta_connect_classic.json`` while :func:`record_key` (this file, the
engine settings, the Spark and Delta versions) is unchanged, else a live run in a classic-mode
child process (``python tests/delta_connect_scenarios.py BASE OUT.json``). Each
scenario exercises one message the delta-spark 4.4.0 Connect client can send (relations:
Scan, DescribeHistory, DescribeDetail, ConvertToDelta, RestoreTable, IsDeltaTable,
DeleteFromTable, UpdateTable, MergeIntoTable, OptimizeTable; commands: CloneTable,
VacuumTable, UpgradeTableProtocol, Generate, CreateDeltaTable, AddFeatureSupport,
DropFeatureSupport) plus documented failure cases. Results hold only what both modes share:
table rows, history operations, detail fields, error conditions (not the metrics DataFrames
that Connect's delete/update return and classic's do not).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

SCHEMA = "dc_test"


def condition(exc: BaseException) -> str:
    """The error condition (Spark error class) of an exception from either mode."""
    for obj in (exc, getattr(exc, "java_exception", None)):
        for getter in ("getCondition", "getErrorClass"):
            try:
                value = getattr(obj, getter)()
            except Exception:  # noqa: BLE001 - Py4J objects raise on unknown methods
                value = None
            if value:
                return str(value)
    return type(exc).__name__


def outcome(fn):
    """``{"ok": fn()}`` or ``{"error": <condition>}``."""
    try:
        return {"ok": fn()}
    except Exception as exc:  # noqa: BLE001 - the condition is the observation
        return {"error": condition(exc)}


def rows(df, order: str = "id") -> list[list]:
    return [list(r) for r in df.orderBy(order).collect()]


def ops(dt) -> list[list]:
    return [[r.version, r.operation] for r in dt.history().orderBy("version").collect()]


def _table(spark, name: str, n: int = 5, partitioned: bool = False):
    from delta.tables import DeltaTable

    part = "PARTITIONED BY (p)" if partitioned else ""
    spark.sql(f"CREATE OR REPLACE TABLE {SCHEMA}.{name} USING delta {part} AS "
              f"SELECT id, concat('v', id) AS v, CAST(id % 2 AS INT) AS p FROM range({n})")
    return DeltaTable.forName(spark, f"{SCHEMA}.{name}")


def scan(spark, base: Path):
    from delta.tables import DeltaTable

    dt = _table(spark, "scan")
    location = dt.detail().first().location
    by_path = DeltaTable.forPath(spark, location)
    return {"by_name": rows(dt.toDF()), "by_path": rows(by_path.toDF()),
            "alias": rows(dt.alias("t").toDF().where("t.id > 2")),
            "missing": outcome(lambda: DeltaTable.forName(spark, f"{SCHEMA}.nope").toDF().count())}


def describe_history(spark, base: Path):
    dt = _table(spark, "hist")
    dt.update("id = 1", {"v": "'x'"})
    return {"ops": ops(dt), "limit1": [r.operation for r in dt.history(1).collect()]}


def describe_detail(spark, base: Path):
    detail = _table(spark, "detail", partitioned=True).detail()
    d = detail.first()
    return {"format": d.format, "partitionColumns": list(d.partitionColumns), "numFiles": d.numFiles > 0,
            "columns": sorted(detail.columns)}


def convert_to_delta(spark, base: Path):
    from delta.tables import DeltaTable

    plain, parted = str(base / "plain_parquet"), str(base / "parted_parquet")
    df = spark.range(4).selectExpr("id", "CAST(id % 2 AS INT) AS p")
    df.write.mode("overwrite").parquet(plain)
    df.write.mode("overwrite").partitionBy("p").parquet(parted)
    a = DeltaTable.convertToDelta(spark, f"parquet.`{plain}`")
    b = DeltaTable.convertToDelta(spark, f"parquet.`{parted}`", "p INT")
    return {"plain": rows(a.toDF()), "parted": rows(b.toDF()), "ops": ops(b),
            "parted_cols": list(b.detail().first().partitionColumns)}


def restore_table(spark, base: Path):
    dt = _table(spark, "restore")
    dt.delete("id < 3")
    ts = dt.history().where("version = 0").selectExpr("CAST(timestamp AS STRING) AS t").first().t
    dt.restoreToVersion(0)
    after_version = rows(dt.toDF())
    dt.delete("id = 4")
    dt.restoreToTimestamp(ts)
    return {"after_version": after_version, "after_timestamp": rows(dt.toDF()), "ops": ops(dt),
            "missing_version": outcome(lambda: dt.restoreToVersion(99) and None)}


def is_delta_table(spark, base: Path):
    from delta.tables import DeltaTable

    location = _table(spark, "isdelta").detail().first().location
    spark.range(2).write.mode("overwrite").parquet(str(base / "not_delta"))
    return [bool(DeltaTable.isDeltaTable(spark, location)), bool(DeltaTable.isDeltaTable(spark, str(base / "not_delta")))]


def delete_from_table(spark, base: Path):
    import pyspark.sql.functions as F

    dt = _table(spark, "del")
    dt.delete(F.col("id") == 1)
    dt.alias("t").delete("t.v = 'v2'")
    first = rows(dt.toDF())
    dt.delete()
    return {"after": first, "all": rows(dt.toDF()), "ops": ops(dt)}


def update_table(spark, base: Path):
    import pyspark.sql.functions as F

    dt = _table(spark, "upd")
    dt.update(F.col("id") > 2, {"v": F.upper("v"), "p": F.lit(9)})
    dt.update(set={"id": "id + 100"})
    return {"rows": rows(dt.toDF()), "ops": ops(dt),
            "bad_column": outcome(lambda: dt.update(set={"nope": "1"}) and None)}


def merge_into_table(spark, base: Path):
    from delta.tables import DeltaTable

    dt = _table(spark, "merge", n=6)
    src = spark.createDataFrame([(1, "s1", 1), (2, "s2", 0), (3, "s3", 1), (10, "s10", 0), (11, "s11", 1)],
                                "id BIGINT, v STRING, p INT")
    (dt.alias("t").merge(src.alias("s"), "t.id = s.id")
       .whenMatchedDelete("s.id = 2")
       .whenMatchedUpdate("s.id = 3", {"v": "concat(t.v, '+', s.v)"})
       .whenMatchedUpdateAll()
       .whenNotMatchedInsert("s.id = 10", {"id": "s.id", "v": "'inserted'", "p": "0"})
       .whenNotMatchedInsertAll()
       .whenNotMatchedBySourceUpdate("t.id = 4", {"v": "'orphan'"})
       .whenNotMatchedBySourceDelete()
       .execute())
    first = rows(dt.toDF())
    dup = spark.createDataFrame([(1, "a", 0), (1, "b", 0)], "id BIGINT, v STRING, p INT")
    # https://docs.databricks.com/aws/en/delta/merge#merge-operation-semantics
    several = outcome(lambda: dt.alias("t").merge(dup.alias("s"), "t.id = s.id")
                      .whenMatchedUpdateAll().execute() and None)
    wide = spark.createDataFrame([(1, "w", 1, "extra")], "id BIGINT, v STRING, p INT, e STRING")
    (dt.alias("t").merge(wide.alias("s"), "t.id = s.id").whenMatchedUpdateAll().withSchemaEvolution().execute())
    # A classic DeltaTable keeps the DataFrame it was opened with; a fresh read shows the new column.
    return {"rows": first, "evolved": rows(spark.table(f"{SCHEMA}.merge")), "ops": ops(dt),
            "several_source_rows": several}


def optimize_table(spark, base: Path):
    dt = _table(spark, "opt", partitioned=True)
    for i in range(3):
        spark.sql(f"INSERT INTO {SCHEMA}.opt VALUES ({10 + i}, 'x', 1)")
    before = dt.detail().first().numFiles
    dt.optimize().where("p = 1").executeCompaction()
    mid = dt.detail().first().numFiles
    dt.optimize().executeZOrderBy("id")
    return {"files": [before, mid, dt.detail().first().numFiles], "ops": ops(dt), "rows": rows(dt.toDF()),
            "bad_filter": outcome(lambda: dt.optimize().where("id = 1").executeCompaction() and None)}


def clone_table(spark, base: Path):
    from delta.tables import DeltaTable

    dt = _table(spark, "clsrc")
    dt.delete("id = 0")
    for name in ("clone_a", "clone_b", "clone_c"):
        spark.sql(f"DROP TABLE IF EXISTS {SCHEMA}.{name}")
    # Classic delta-spark 4.4.0 returns the raw Java object from clone* (and fails on
    # properties=None with a Py4JError): pass a dict and reopen the clones by name.
    dt.clone(f"{SCHEMA}.clone_a", isShallow=True, properties={})
    dt.cloneAtVersion(0, f"{SCHEMA}.clone_b", isShallow=True,
                      properties={"delta.logRetentionDuration": "interval 7 days"})
    ts = dt.history().where("version = 0").selectExpr("CAST(timestamp AS STRING) AS t").first().t
    dt.cloneAtTimestamp(ts, f"{SCHEMA}.clone_c", isShallow=True, properties={})
    a, b, c = (DeltaTable.forName(spark, f"{SCHEMA}.{n}") for n in ("clone_a", "clone_b", "clone_c"))
    return {"a": rows(a.toDF()), "b": rows(b.toDF()), "c": rows(c.toDF()),
            "b_props": b.detail().first().properties.get("delta.logRetentionDuration"),
            "ops": [r.operation for r in a.history().collect()],
            "exists": outcome(lambda: dt.clone(f"{SCHEMA}.clone_a", isShallow=True, properties={}) and None)}


def vacuum_table(spark, base: Path):
    dt = _table(spark, "vac")
    dt.delete("id < 2")
    location = Path(dt.detail().first().location.removeprefix("file:"))
    files = lambda: len(list(location.glob("*.parquet")))  # noqa: E731
    before = files()
    too_short = outcome(lambda: dt.vacuum(0.0) and None)
    spark.conf.set("spark.databricks.delta.retentionDurationCheck.enabled", "false")
    try:
        dt.vacuum(0.0)
    finally:
        spark.conf.set("spark.databricks.delta.retentionDurationCheck.enabled", "true")
    dt.vacuum()
    return {"files": [before, files()], "too_short": too_short, "rows": rows(dt.toDF()),
            "ops": [op for _, op in ops(dt)]}


def upgrade_table_protocol(spark, base: Path):
    dt = _table(spark, "proto")
    spark.sql(f"ALTER TABLE {SCHEMA}.proto SET TBLPROPERTIES ('delta.minReaderVersion'='1', 'delta.minWriterVersion'='2')")
    dt.upgradeTableProtocol(1, 4)
    d = dt.detail().first()
    return {"protocol": [d.minReaderVersion, d.minWriterVersion],
            "downgrade": outcome(lambda: dt.upgradeTableProtocol(1, 1))}


def generate(spark, base: Path):
    dt = _table(spark, "gen", partitioned=True)
    dt.generate("symlink_format_manifest")
    location = Path(dt.detail().first().location.removeprefix("file:"))
    manifests = sorted(str(p.relative_to(location)) for p in (location / "_symlink_format_manifest").rglob("manifest"))
    return {"manifests": manifests, "bad_mode": outcome(lambda: dt.generate("nope"))}


def create_delta_table(spark, base: Path):
    from delta.tables import DeltaTable, IdentityGenerator
    from pyspark.sql.types import LongType, StringType, StructField

    for name in ("created", "created_path", "clustered"):
        spark.sql(f"DROP TABLE IF EXISTS {SCHEMA}.{name}")
    t = (DeltaTable.create(spark).tableName(f"{SCHEMA}.created").comment("people")
         .addColumn("id", "BIGINT", nullable=False, generatedAlwaysAs=IdentityGenerator(start=10, step=5))
         .addColumn("name", StringType(), comment="who")
         .addColumn("upper_name", "STRING", generatedAlwaysAs="upper(name)")
         .addColumns([StructField("region", StringType())])
         .partitionedBy("region").property("delta.appendOnly", "false").execute())
    spark.sql(f"INSERT INTO {SCHEMA}.created (name, region) VALUES ('ann', 'eu'), ('bob', 'us')")
    d = t.detail().first()
    again = outcome(lambda: DeltaTable.createIfNotExists(spark).tableName(f"{SCHEMA}.created")
                    .addColumn("x", "INT").execute() and None)
    dup = outcome(lambda: DeltaTable.create(spark).tableName(f"{SCHEMA}.created").addColumn("x", "INT").execute()
                  and None)
    path = str(base / "by_path")
    # Column lists read right away: a classic DeltaTable keeps the schema it was opened with.
    p = DeltaTable.createOrReplace(spark).location(path).addColumn("k", LongType()).execute().toDF().columns
    r = DeltaTable.replace(spark).location(path).addColumn("k", "BIGINT").addColumn("z", "STRING").execute()
    r = r.toDF().columns
    c = (DeltaTable.createIfNotExists(spark).tableName(f"{SCHEMA}.clustered")
         .addColumn("id", "BIGINT", generatedByDefaultAs=IdentityGenerator()).addColumn("c", "STRING")
         .clusterBy("c").execute())
    return {"rows": rows(t.toDF()), "schema": t.toDF().schema.simpleString(), "comment": d.description,
            "partitionColumns": list(d.partitionColumns), "props": d.properties.get("delta.appendOnly"),
            "again": again, "dup": dup, "by_path": [p, r],
            "clustering": list(c.detail().first().clusteringColumns)}


def add_feature_support(spark, base: Path):
    dt = _table(spark, "feat_add")
    dt.addFeatureSupport("deletionVectors")
    return {"features": sorted(dt.detail().first().tableFeatures),
            "unknown": outcome(lambda: dt.addFeatureSupport("noSuchFeature"))}


def drop_feature_support(spark, base: Path):
    dt = _table(spark, "feat_drop")
    dt.addFeatureSupport("v2Checkpoint")
    dropped = outcome(lambda: dt.dropFeatureSupport("v2Checkpoint"))
    return {"dropped": dropped, "features": sorted(dt.detail().first().tableFeatures),
            "truncate": outcome(lambda: dt.dropFeatureSupport("deletionVectors", truncateHistory=True))}


SCENARIOS = {f.__name__: f for f in (
    scan, describe_history, describe_detail, convert_to_delta, restore_table, is_delta_table,
    delete_from_table, update_table, merge_into_table, optimize_table, clone_table, vacuum_table,
    upgrade_table_protocol, generate, create_delta_table, add_feature_support, drop_feature_support)}


def run_all(spark, base: Path) -> dict:
    """Every scenario on ``spark``; each result is plain data or ``{"crashed": condition}``."""
    base.mkdir(parents=True, exist_ok=True)
    spark.sql(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
    spark.sql(f"CREATE SCHEMA {SCHEMA}")
    out = {}
    for name, fn in SCENARIOS.items():
        result = outcome(lambda fn=fn: fn(spark, base / name))
        out[name] = result["ok"] if "ok" in result else {"crashed": result["error"]}
    return json.loads(json.dumps(out, default=str))


RECORD = Path(__file__).with_name("data") / "delta_connect_classic.json"
_REPO = Path(__file__).resolve().parents[1]


def record_key() -> dict:
    """What classic mode's results depend on: this file, the engine settings (the catalog plugin's
    among them), the plugin jar's sources (classic mode loads its catalog too), Spark and Delta.

    A recorded classic run (``RECORD``) stands in for a live one only while this key is equal.
    """
    import hashlib
    from importlib.metadata import version

    def digest(*paths: Path) -> str:
        return hashlib.sha256(b"".join(p.read_bytes() for p in paths)).hexdigest()[:16]

    runtime = _REPO / "lakehouse" / "runtime"
    java = sorted((_REPO / "delta-connect-plugin" / "src").rglob("*.java"))
    return {"scenarios": digest(Path(__file__)), "spark_conf": digest(runtime / "spark_conf.py", runtime / "catalogs.py"),
            "plugin": digest(*java), "pyspark": version("pyspark"), "delta-spark": version("delta-spark")}


def recorded_classic() -> dict | None:
    """The recorded classic results, or ``None`` when there are none for today's key."""
    try:
        record = json.loads(RECORD.read_text())
    except (OSError, ValueError):
        return None
    return record["results"] if record.get("key") == record_key() else None


if __name__ == "__main__":
    # Classic mode child:  python tests/delta_connect_scenarios.py BASE OUT.json
    # Record the results:  LAKEHOUSE_SPARK_MODE=classic python tests/delta_connect_scenarios.py --record
    sys.path.insert(0, str(_REPO))
    assert os.environ.get("LAKEHOUSE_SPARK_MODE") == "classic", "run with LAKEHOUSE_SPARK_MODE=classic"
    from lakehouse import get_spark

    session = get_spark("delta-connect-compare")
    if sys.argv[1:] == ["--record"]:
        import tempfile

        with tempfile.TemporaryDirectory() as tmp:
            results = run_all(session, Path(tmp))
        RECORD.parent.mkdir(exist_ok=True)
        RECORD.write_text(json.dumps({"key": record_key(), "results": results}, indent=1, sort_keys=True) + "\n")
        print(f"recorded {len(results)} scenarios in {RECORD}")
    else:
        Path(sys.argv[2]).write_text(json.dumps(run_all(session, Path(sys.argv[1]))))
    session.stop()
