"""Auto Loader's default ``addNewColumns`` stops the stream once on a new column; a restart picks it up.

Claim (guide Q2): without a given schema, ``cloudFiles.schemaEvolutionMode`` is
``addNewColumns``: a file with a new column makes the stream fail with ``UNKNOWN_FIELD`` after
the new schema is written to the schema location; the restarted stream (with ``mergeSchema`` on
the Delta sink) reads the column, older rows have NULL. A value of the wrong type lands in
``_rescued_data`` instead of failing. Locally this is the course's ``cloudFiles`` stand-in
(``lakehouse.autoloader``); on Databricks, the real Auto Loader.
Databricks: https://docs.databricks.com/aws/en/ingestion/cloud-object-storage/auto-loader/schema
"""

import json
import os

from _expect import expect_error, run_standalone


def _land(folder, name, rows, mtime):
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    os.utime(path, (mtime, mtime))


def _ingest(spark, land, base, merge=False):
    writer = (spark.readStream.format("cloudFiles").option("cloudFiles.format", "json")
              .option("cloudFiles.schemaLocation", str(base / "schema"))
              .option("cloudFiles.schemaHints", "id INT")
              .load(str(land)).writeStream.format("delta")
              .option("checkpointLocation", str(base / "checkpoint")).trigger(availableNow=True))
    if merge:
        writer = writer.option("mergeSchema", "true")
    writer.start(str(base / "bronze")).awaitTermination()


def run(spark, tmp_path):
    land = tmp_path / "landing"
    _land(land, "1.json", [{"id": 1, "name": "a"}, {"id": "oops", "name": "b"}], 1_000_000)
    _ingest(spark, land, tmp_path)
    _land(land, "2.json", [{"id": 3, "name": "c", "email": "c@x"}], 1_000_100)
    seen = expect_error(lambda: _ingest(spark, land, tmp_path), "UNKNOWN_FIELD")
    _ingest(spark, land, tmp_path, merge=True)  # the restart (a job retry on Databricks)
    bronze = spark.read.format("delta").load(str(tmp_path / "bronze"))
    rows = sorted((r.name, r.id, r.email, r._rescued_data is not None) for r in bronze.collect())
    assert rows == [("a", 1, None, False), ("b", None, None, True), ("c", 3, "c@x", False)], rows
    return {"error": seen, "rows": rows}


if __name__ == "__main__":
    run_standalone(run)
