# Bronze: every record as received, with where and when. Auto Loader in a pipeline: the pipeline
# manages each flow's schema location, so none is given here.
# Databricks: https://docs.databricks.com/aws/en/ldp/load,
# https://docs.databricks.com/aws/en/ingestion/cloud-object-storage/auto-loader/dlt
from pyspark import pipelines as dp
from pyspark.sql import functions as F

from c360_rules import get_rules  # the pipeline's root folder is on sys.path

LANDING = spark.conf.get("c360.landing")


def auto_loader(source, file_format):
    """The files landed under LANDING/source as a stream, plus _source_file and _ingested_at."""
    reader = spark.readStream.format("cloudFiles").option("cloudFiles.format", file_format)
    if file_format == "csv":
        reader = reader.option("header", "true")
    return (reader.load(f"{LANDING}/{source}")
            .withColumn("_source_file", F.col("_metadata.file_path"))
            .withColumn("_ingested_at", F.current_timestamp())
            .drop("_metadata"))


@dp.table(name="c360_bronze.crm", comment="CRM change feed (JSON lines, Auto Loader)")
def crm():
    return auto_loader("crm", "json")


@dp.table(name="c360_bronze.transactions", comment="Transactions (CSV, Auto Loader)")
@dp.expect_all(get_rules("transactions", "warn"))
def transactions():
    return auto_loader("transactions", "csv")


@dp.table(name="c360_bronze.clickstream", comment="Click events (Parquet, Auto Loader)")
@dp.expect_all(get_rules("clickstream", "warn"))
def clickstream():
    return auto_loader("clickstream", "parquet")


@dp.table(name="c360_bronze.support_tickets", comment="Support tickets: the Delta change feed")
def support_tickets():
    path = f"{LANDING}/support_tickets"
    return (spark.readStream.format("delta").option("readChangeFeed", "true").option("startingVersion", 0)
            .load(path)
            .withColumn("_source_file", F.lit(path))
            .withColumn("_ingested_at", F.current_timestamp()))
