# Gold: spend, activity and support per current customer (the gold lab builds the full Customer 360).
from pyspark import pipelines as dp
from pyspark.sql import functions as F


@dp.materialized_view(name="c360_gold.customer_spend", comment="Per current customer: orders, spend, sessions, tickets")
def customer_spend():
    current = spark.read.table("customers").where("__END_AT IS NULL").select("customer_id", "loyalty_tier")
    orders = (spark.read.table("transactions").groupBy("customer_id")
              .agg(F.count("*").alias("orders"), F.sum("amount").alias("total_amount")))
    sessions = (spark.read.table("clickstream").where("resolved_customer_id IS NOT NULL")
                .groupBy(F.col("resolved_customer_id").alias("customer_id"))
                .agg(F.countDistinct("session_id").alias("sessions")))
    tickets = spark.read.table("support_tickets").groupBy("customer_id").agg(F.count("*").alias("tickets"))
    return (current.join(orders, "customer_id", "left").join(sessions, "customer_id", "left")
            .join(tickets, "customer_id", "left").fillna(0, ["orders", "sessions", "tickets"]))
