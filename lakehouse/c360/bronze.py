"""The Bronze layer of the Customer 360: every source record as received, plus where and when.

Four incremental streams, exactly the code one runs on Databricks:

* ``crm`` — JSON lines via Auto Loader (``cloudFiles``), schema inferred and stored;
* ``transactions`` — CSV with a header via Auto Loader;
* ``clickstream`` — Parquet via Auto Loader; a later batch adds a column, so the stream stops
  once with ``UNKNOWN_FIELD`` (``addNewColumns``) and the restart picks the column up, as a
  job retry does on Databricks;
* ``support_tickets`` — the Delta table's change feed (``readChangeFeed``).

Bronze keeps every record, bad ones included: a value that does not fit lands in
``_rescued_data``; nothing is dropped. Each row gets ``_source_file`` and ``_ingested_at``.

Example:
    >>> from lakehouse.c360 import bronze                                         # doctest: +SKIP
    >>> bronze.ingest_all(spark, landing, schema="spark_catalog.lab02",
    ...                   checkpoints=ckpt_dir, schemas=schema_dir)               # doctest: +SKIP
    {'crm': 3419, 'transactions': 42551, 'clickstream': 84607, 'support_tickets': 1203}
"""

from __future__ import annotations

import os

from ..errors import LakehouseError

TABLES = {
    "crm": "bronze_crm",
    "transactions": "bronze_transactions",
    "clickstream": "bronze_clickstream",
    "support_tickets": "bronze_support_tickets",
}
FILE_FORMATS = {"crm": "json", "transactions": "csv", "clickstream": "parquet"}
MAX_SCHEMA_RESTARTS = 3


class BronzeError(LakehouseError):
    """A Bronze stream failed for a reason other than a schema change it can restart from."""

    code = "BRONZE_ERROR"


def read_files(spark, source: str, landing: str, schema_location: str, *, options: dict | None = None):
    """A streaming DataFrame of one file source with Auto Loader, plus ``_source_file`` / ``_ingested_at``.

    Args:
        spark: the session.
        source: ``crm``, ``transactions`` or ``clickstream``.
        landing: the landing folder holding ``<source>/``.
        schema_location: the ``cloudFiles.schemaLocation`` folder of this source.
        options: more reader options (e.g. ``{"cloudFiles.maxFilesPerTrigger": "1"}``).

    Raises:
        BronzeError: unknown source.
    """
    from pyspark.sql import functions as F

    if source not in FILE_FORMATS:
        raise BronzeError(f"{source!r} is not a file source.", fix=f"use one of {', '.join(FILE_FORMATS)}.")
    reader = (spark.readStream.format("cloudFiles")
              .option("cloudFiles.format", FILE_FORMATS[source])
              .option("cloudFiles.schemaLocation", schema_location))
    if source == "transactions":
        reader = reader.option("header", "true")
    if options:
        reader = reader.options(**options)
    df = reader.load(os.path.join(landing, source))
    return (df.withColumn("_source_file", F.col("_metadata.file_path"))
            .withColumn("_ingested_at", F.current_timestamp())
            .drop("_metadata"))


def read_ticket_changes(spark, landing: str):
    """The support tickets' Delta change feed as a stream (all versions), plus ingestion metadata."""
    from pyspark.sql import functions as F

    path = os.path.join(landing, "support_tickets")
    return (spark.readStream.format("delta").option("readChangeFeed", "true").option("startingVersion", 0)
            .load(path)
            .withColumn("_source_file", F.lit(path))
            .withColumn("_ingested_at", F.current_timestamp()))


def _is_schema_change(exc: Exception) -> bool:
    text = str(exc)
    return "UNKNOWN_FIELD" in text or "UnknownFieldException" in text


def ingest(spark, source: str, landing: str, table: str, checkpoint: str, schema_location: str,
           *, query_name: str | None = None) -> int:
    """Run one Bronze stream with ``trigger(availableNow=True)`` until all landed data is in ``table``.

    A stream stopped by a new column (``addNewColumns``) is restarted, up to
    :data:`MAX_SCHEMA_RESTARTS` times; the Delta sink merges the new column (``mergeSchema``).

    Returns:
        The number of rows in ``table`` afterwards.

    Raises:
        BronzeError: the stream failed for another reason (the message has Spark's).
    """
    for _attempt in range(MAX_SCHEMA_RESTARTS + 1):
        df = (read_ticket_changes(spark, landing) if source == "support_tickets"
              else read_files(spark, source, landing, schema_location))
        writer = (df.writeStream.format("delta").option("checkpointLocation", checkpoint)
                  .option("mergeSchema", "true").trigger(availableNow=True))
        if query_name:
            writer = writer.queryName(query_name)
        query = writer.toTable(table)
        try:
            query.awaitTermination()
        except Exception as exc:  # StreamingQueryException (classic or Connect flavour)
            if _is_schema_change(exc):
                continue
            raise BronzeError(f"The bronze stream of {source!r} into {table} failed: "
                              f"{str(exc).strip().splitlines()[0][:500]}",
                              fix=f"look at the landed files under {os.path.join(landing, source)}; "
                              f"delete {checkpoint} to start the stream over.") from exc
        return spark.table(table).count()
    raise BronzeError(f"The bronze stream of {source!r} kept stopping for new columns.",
                      fix=f"check the files under {os.path.join(landing, source)}.")


def ingest_all(spark, landing: str, *, schema: str, checkpoints: str, schemas: str,
               query_prefix: str | None = None) -> dict[str, int]:
    """Ingest all four sources from ``landing`` into ``<schema>.bronze_*`` (incremental, exactly once).

    Args:
        spark: the session.
        landing: the landing folder (``crm/``, ``transactions/``, ``clickstream/``, ``support_tickets/``).
        schema: ``catalog.schema`` of the Bronze tables.
        checkpoints: folder for one checkpoint per source.
        schemas: folder for one Auto Loader schema location per source.
        query_prefix: optional prefix of the streaming query names.

    Returns:
        Rows per source in Bronze afterwards.
    """
    counts = {}
    for source, table in TABLES.items():
        counts[source] = ingest(
            spark, source, landing, f"{schema}.{table}", os.path.join(checkpoints, f"bronze_{source}"),
            os.path.join(schemas, source), query_name=f"{query_prefix}bronze_{source}" if query_prefix else None)
    return counts
