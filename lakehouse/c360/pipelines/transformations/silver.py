# Silver: customers as SCD type 2 (AUTO CDC), transactions with expectations and a quarantine,
# clickstream sessions and the tickets' latest state (c360_transforms, in the pipeline's root folder).
from pyspark import pipelines as dp
from pyspark.sql import functions as F

import c360_transforms as silver  # the pipeline's root folder is on sys.path
from c360_rules import get_rules, quarantined


@dp.temporary_view(comment="CRM changes, typed; changes that cannot be applied are dropped")
@dp.expect_all_or_drop(get_rules("crm", "drop"))
def crm_changes():
    return (spark.readStream.table("c360_bronze.crm")
            .select("customer_id", F.upper("operation").alias("operation"),
                    F.expr("try_cast(sequence_num AS BIGINT)").alias("sequence_num"),
                    F.expr("try_to_timestamp(updated_at)").alias("updated_at"), "first_name", "last_name", "email",
                    "phone", "address", F.expr("try_cast(signup_date AS DATE)").alias("signup_date"),
                    "loyalty_tier", F.expr("try_cast(marketing_consent AS BOOLEAN)").alias("marketing_consent")))


dp.create_streaming_table("customers", comment="SCD type 2: history of address, tier and consent")
dp.create_auto_cdc_flow(target="customers", source="crm_changes", keys=["customer_id"], sequence_by="sequence_num",
                        apply_as_deletes="operation = 'DELETE'", except_column_list=["operation"],
                        stored_as_scd_type=2, track_history_column_list=list(silver.TRACKED_CUSTOMER_COLUMNS))


@dp.table(comment="Transactions that pass the drop rules, typed, in USD, one row per transaction_id")
@dp.expect_all_or_drop(get_rules("transactions", "drop"))
def transactions():
    # The first copy of a transaction_id wins (a stateful dedup over every update: the copies the
    # generator lands twice are identical); amount_usd at the reference rates (silver.USD_PER).
    rates = F.create_map(*[x for k, v in silver.USD_PER.items() for x in (F.lit(k), F.lit(v))])
    return (spark.readStream.table("c360_bronze.transactions")
            .dropDuplicates(["transaction_id"])
            .withColumn("transaction_ts", F.expr("try_to_timestamp(transaction_ts)"))
            .withColumn("amount", F.expr("try_cast(amount AS DECIMAL(12,2))"))
            .withColumn("amount_usd", (F.col("amount") * rates[F.col("currency")]).cast("decimal(14,2)"))
            .withColumn("quantity", F.expr("try_cast(quantity AS INT)")))


@dp.table(comment="The transactions silver drops, with the rules they fail")
def transactions_quarantine():
    return quarantined(spark.readStream.table("c360_bronze.transactions"), "transactions")


@dp.materialized_view(comment="Deduplicated, sessionized click events")
def clickstream():
    customers = silver.known_customers(spark.read.table("customers"))
    return silver.clickstream(spark.read.table("c360_bronze.clickstream"), customers).valid


@dp.materialized_view(comment="Latest state of each support ticket, with sentiment")
def support_tickets():
    customers = silver.known_customers(spark.read.table("customers"))
    return silver.tickets(spark.read.table("c360_bronze.support_tickets"), customers).valid
