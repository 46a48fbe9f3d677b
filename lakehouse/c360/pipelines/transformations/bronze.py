# Bronze: every record as received, with where and when (lakehouse.c360.bronze readers).
# Databricks: https://docs.databricks.com/aws/en/ldp/load
import os

from lakehouse import dp
from lakehouse.c360 import bronze
from lakehouse.c360.rules import CLICKSTREAM, TRANSACTIONS

LANDING = spark.conf.get("c360.landing")
SCHEMAS = spark.conf.get("c360.schemas")


@dp.table(name="c360_bronze.crm", comment="CRM change feed (JSON lines, Auto Loader)")
def crm():
    return bronze.read_files(spark, "crm", LANDING, os.path.join(SCHEMAS, "crm"))


@dp.table(name="c360_bronze.transactions", comment="Transactions (CSV, Auto Loader)")
@dp.expect_all(TRANSACTIONS.as_dict("warn"))
def transactions():
    return bronze.read_files(spark, "transactions", LANDING, os.path.join(SCHEMAS, "transactions"))


@dp.table(name="c360_bronze.clickstream", comment="Click events (Parquet, Auto Loader)")
@dp.expect_all(CLICKSTREAM.as_dict("warn"))
def clickstream():
    return bronze.read_files(spark, "clickstream", LANDING, os.path.join(SCHEMAS, "clickstream"))


@dp.table(name="c360_bronze.support_tickets", comment="Support tickets: the Delta change feed")
def support_tickets():
    return bronze.read_ticket_changes(spark, LANDING)
