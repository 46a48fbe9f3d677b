"""Checks of lab 07 · Declarative pipelines: the AUTO CDC flow, the silver table's expectations in
Python and the same table in SQL, the gold materialized view, the first update (where the Python
and SQL tables are equal), the incremental update, the full refresh.

The pipeline's files live in the lab's ``output/pipeline`` folder, written as on Databricks
(``from pyspark import pipelines as dp``, SQL files, the rules module ``c360_rules`` in the
pipeline's root folder; no ``lakehouse`` import); a catch-up writes the reference file in place
of the learner's.

Example:
    >>> from lakehouse.course.labs.lab07_declarative_pipelines import CHECKS
    >>> [c.name for c in CHECKS if c.todo]
    ['auto_cdc_flow', 'silver_expectations', 'silver_sql', 'customer_spend']
"""

from __future__ import annotations

from pathlib import Path

from ...c360.silver import TRACKED_CUSTOMER_COLUMNS
from ..answers import FileAnswer
from ..grading import Check, NotAnswered, assert_equal, expect
from . import same_rows, table_or_fail

PYTHON_REF_DOC = "https://docs.databricks.com/aws/en/ldp/developer/python-ref"
SQL_TABLE_DOC = "https://docs.databricks.com/aws/en/ldp/developer/ldp-sql-ref-create-streaming-table"
EXPECTATIONS_DOC = "https://docs.databricks.com/aws/en/ldp/expectations"
AUTO_CDC_DOC = "https://docs.databricks.com/aws/en/ldp/developer/ldp-python-ref-apply-changes"
UPDATES_DOC = "https://docs.databricks.com/aws/en/ldp/updates"
TRACKED = sorted(TRACKED_CUSTOMER_COLUMNS)  # the reference C360 (lakehouse.c360.silver) keeps history for these
# The pipeline's files as the solution writes them: make labs puts each in its %%writefile cell.
SILVER_SOURCE = '''from pyspark import pipelines as dp
from pyspark.sql import functions as F

from c360_rules import get_rules  # a module in the pipeline's root folder


@dp.temporary_view(comment="CRM changes, typed; the ones that cannot be applied are dropped")
@dp.expect_all_or_drop(get_rules("crm", "drop"))
def crm_changes():
    return (spark.readStream.table("bronze_crm")
            .select("customer_id", F.upper("operation").alias("operation"),
                    F.expr("try_cast(sequence_num AS BIGINT)").alias("sequence_num"),
                    "email", "address", "loyalty_tier",
                    F.expr("try_cast(marketing_consent AS BOOLEAN)").alias("marketing_consent")))


dp.create_streaming_table("customers", comment="SCD type 2: the history of address, tier and consent")

# TODO 1: an AUTO CDC flow from crm_changes into customers: SCD type 2, history for the tracked
#         columns
# BEGIN SOLUTION: the pipeline API's AUTO CDC flow: key, ordering column, DELETE rows as deletes, the operation column left out, SCD type 2, history for address, loyalty tier and consent
dp.create_auto_cdc_flow(
    target="customers",
    source="crm_changes",
    keys=["customer_id"],
    sequence_by="sequence_num",
    apply_as_deletes="operation = 'DELETE'",
    except_column_list=["operation"],
    stored_as_scd_type=2,
    track_history_column_list=["address", "loyalty_tier", "marketing_consent"],
)
# END SOLUTION
'''

SILVER_TRANSACTIONS_SOURCE = '''from pyspark import pipelines as dp
from pyspark.sql import functions as F

from c360_rules import get_rules


# TODO 2: make silver_transactions a streaming table that drops the rows failing the drop rules
# BEGIN SOLUTION: two decorators on the function below: the one that declares a table, and under it the expectation that drops failing rows, given the transactions' drop rules from the rules module as a dict
@dp.table(comment="Transactions that pass the drop rules, typed")
@dp.expect_all_or_drop(get_rules("transactions", "drop"))
# END SOLUTION
def silver_transactions():
    return (spark.readStream.table("bronze_transactions")
            .select("transaction_id", "customer_id",
                    F.expr("try_to_timestamp(transaction_ts)").alias("transaction_ts"),
                    F.expr("try_cast(amount AS DECIMAL(12,2))").alias("amount"),
                    "currency", "channel", "product_category", "quantity", "store_id", "region", "_ingested_at"))
'''

SILVER_TRANSACTIONS_SQL = '''-- The same table in SQL: silver_transactions_sql, a twin of silver_transactions
-- TODO 3: silver_transactions_sql, the twin of silver_transactions: its rows, columns and rules
-- BEGIN SOLUTION: one statement: a streaming table with one constraint per drop rule of the transactions (each dropping the rows that fail it), over a streaming read of bronze_transactions selecting the columns silver_transactions selects, typed the same way
CREATE OR REFRESH STREAMING TABLE silver_transactions_sql (
  CONSTRAINT has_transaction_id EXPECT (transaction_id IS NOT NULL) ON VIOLATION DROP ROW,
  CONSTRAINT has_customer_id EXPECT (customer_id IS NOT NULL) ON VIOLATION DROP ROW,
  CONSTRAINT valid_timestamp EXPECT (try_to_timestamp(transaction_ts) IS NOT NULL) ON VIOLATION DROP ROW,
  CONSTRAINT valid_amount EXPECT (try_cast(amount AS DECIMAL(12,2)) IS NOT NULL) ON VIOLATION DROP ROW,
  CONSTRAINT non_negative_amount EXPECT (try_cast(amount AS DECIMAL(12,2)) >= 0) ON VIOLATION DROP ROW,
  CONSTRAINT valid_quantity EXPECT (try_cast(quantity AS INT) IS NOT NULL) ON VIOLATION DROP ROW,
  CONSTRAINT known_currency EXPECT (currency IN ('USD', 'EUR', 'GBP')) ON VIOLATION DROP ROW
)
COMMENT 'Transactions that pass the drop rules, typed (silver_transactions, written in SQL)'
AS SELECT transaction_id, customer_id,
          try_to_timestamp(transaction_ts) AS transaction_ts,
          try_cast(amount AS DECIMAL(12,2)) AS amount,
          currency, channel, product_category, quantity, store_id, region, _ingested_at
FROM STREAM(bronze_transactions);
-- END SOLUTION
'''

GOLD_SOURCE = '''from pyspark import pipelines as dp
from pyspark.sql import functions as F

# TODO 4: a materialized view customer_spend: current customers with their orders and total
# BEGIN SOLUTION: a materialized view over a batch query: the current versions of customers (the SCD2 end is still open) joined to the per-customer count and sum of silver_transactions
@dp.materialized_view(comment="Spend per current customer")
def customer_spend():
    current = spark.read.table("customers").where("__END_AT IS NULL")
    spend = (spark.read.table("silver_transactions").groupBy("customer_id")
             .agg(F.count("*").alias("orders"), F.sum("amount").alias("total_amount")))
    return current.select("customer_id", "loyalty_tier").join(spend, "customer_id")
# END SOLUTION
'''


def _graph(ctx, spec):
    from ...pipelines import PipelineError, dry_run

    try:
        return dry_run(spec, spark=ctx.spark, quiet=True)
    except PipelineError as exc:
        first = str(exc).splitlines()[0]
        if "has no flow writing to it" in first:
            raise NotAnswered(first.split("] ", 1)[-1]) from None
        raise AssertionError(f"the pipeline does not load: {first}") from None


def _auto_cdc(ctx, value, *, spec, silver_file):
    flows = [f for f in _graph(ctx, spec).flows if f["target"] == "customers"]
    if not flows:
        raise NotAnswered("no flow writes to customers yet: add dp.create_auto_cdc_flow(...) to silver.py")
    cdc = flows[0]["cdc"]
    expect(cdc is not None, f"the flow into customers is a {flows[0]['type']} flow, expected AUTO CDC")
    assert_equal(flows[0]["inputs"], ("crm_changes",), "the source of the AUTO CDC flow")
    assert_equal(cdc["stored_as_scd_type"], 2, "stored_as_scd_type")
    assert_equal(list(cdc["keys"]), ["customer_id"], "keys")
    assert_equal(cdc["sequence_by"], "sequence_num", "sequence_by")
    expect(cdc["apply_as_deletes"] is not None, "DELETE rows are not applied as deletes (apply_as_deletes)")
    return assert_equal(sorted(cdc["track_history_column_list"] or []), TRACKED, "track_history_column_list")


def _dataset(ctx, spec, name: str, *, file: str, kind: str, inputs: list[str]) -> bool:
    """The dry run finds the dataset ``name`` of ``kind``, reading exactly ``inputs``."""
    update = _graph(ctx, spec)
    if name not in update.kinds:
        raise NotAnswered(f"{file} declares no dataset {name} yet")
    assert_equal(update.kinds[name], kind, f"the kind of {name}")
    found = {i for f in update.flows if f["target"] == name for i in f["inputs"]}
    return assert_equal(sorted(found), inputs, f"the datasets {name} reads")


def _drop_expectations(ctx, spec, file: str, name: str) -> dict:
    """``{name: constraint}`` of the drop expectations ``file`` declares on the dataset ``name``; every
    drop rule of the transactions must be there."""
    from ...c360.rules import TRANSACTIONS
    from ...pipelines import load_spec
    from ...pipelines.loader import load_files

    declared = load_files([Path(file)], spark=ctx.spark, spec=load_spec(spec)).datasets[name]
    drops = {e.name: e.constraint for e in declared.expectations if e.action == "drop"}
    missing = sorted(set(TRANSACTIONS.as_dict("drop")) - set(drops))
    expect(not missing, f"{name} does not drop the rows failing {missing} "
                        f"(its drop expectations: {sorted(drops) or 'none'})")
    return drops


def _silver_expectations(ctx, value, *, spec, silver_transactions_file):
    from ...c360.rules import TRANSACTIONS

    _dataset(ctx, spec, "silver_transactions", file="silver_transactions.py", kind="streaming table",
             inputs=["bronze_transactions"])
    drops = _drop_expectations(ctx, spec, silver_transactions_file, "silver_transactions")
    return assert_equal(drops, TRANSACTIONS.as_dict("drop"), "the drop expectations of silver_transactions")


def _silver_sql(ctx, value, *, spec, silver_sql_file):
    from ...c360.rules import TRANSACTIONS

    _dataset(ctx, spec, "silver_transactions_sql", file="silver_transactions.sql", kind="streaming table",
             inputs=["bronze_transactions"])
    drops = _drop_expectations(ctx, spec, silver_sql_file, "silver_transactions_sql")
    extra = sorted(set(drops) - set(TRANSACTIONS.as_dict("drop")))
    return expect(not extra, f"silver_transactions_sql drops rows on constraints that are not drop rules: {extra}")


def _same_in_sql(ctx, value, *, update):
    """silver_transactions (Python) and silver_transactions_sql (SQL): the same rows, columns and counts."""
    python, sql = (table_or_fail(ctx, ctx.table(t)) for t in ("silver_transactions", "silver_transactions_sql"))
    assert_equal(sql.columns, python.columns, "the columns of silver_transactions_sql")
    same_rows(sql, python, "the rows of silver_transactions_sql (vs silver_transactions)")
    counts = {name: sorted((e["name"], e["passed_records"], e["failed_records"]) for e in ds.expectations)
              for name, ds in update.datasets.items() if name.startswith("silver_transactions")}
    return assert_equal(counts.get("silver_transactions_sql"), counts.get("silver_transactions"),
                        "the expectation counts of this update, SQL vs Python")


def _current_customers(ctx):
    from pyspark.sql import functions as F

    crm = (table_or_fail(ctx, ctx.table("bronze_crm"))
           .where("customer_id IS NOT NULL AND upper(operation) IN ('INSERT', 'UPDATE', 'DELETE') "
                  "AND try_cast(sequence_num AS BIGINT) IS NOT NULL"))
    latest = crm.groupBy("customer_id").agg(F.max_by(F.upper("operation"), F.col("sequence_num").cast("long"))
                                            .alias("op"))
    return latest.where("op <> 'DELETE'").count()


def _first_update(ctx, value, *, update):
    expect(update is not None and update.state == "COMPLETED", "the update did not complete")
    current = table_or_fail(ctx, ctx.table("customers")).where("__END_AT IS NULL").count()
    assert_equal(current, _current_customers(ctx), "current customers (one per live customer in the CRM feed)")
    spend = table_or_fail(ctx, ctx.table("customer_spend"))
    return expect(spend.count() > 0, "customer_spend is empty")


def _incremental(ctx, value, *, update, before, after):
    processed = update.datasets["bronze_transactions"].num_output_rows
    assert_equal(processed, after - before, "rows the update added to bronze_transactions (only the new files)")
    return expect(update.datasets["customer_spend"].status == "COMPLETED", "customer_spend was not recomputed")


def _full_refresh(ctx, value, *, update, rows_before):
    table = ctx.table("silver_transactions")
    expect(update.datasets["silver_transactions"].status == "COMPLETED", "silver_transactions was not refreshed")
    assert_equal(update.datasets["silver_transactions"].num_output_rows, ctx.spark.table(table).count(),
                 "rows the refresh wrote (all of silver_transactions: it was rebuilt, not appended to)")
    assert_equal(ctx.spark.table(table).count(), rows_before, "silver_transactions rows after the full refresh")
    return assert_equal(update.datasets["bronze_transactions"].status, "EXCLUDED",
                        "bronze_transactions in a refresh of silver_transactions only")


def _spend(ctx, value, *, spec, gold_file):
    return _dataset(ctx, spec, "customer_spend", file="gold.py", kind="materialized view",
                    inputs=["customers", "silver_transactions"])


# reference answers: make labs writes each body into the solution notebook's block


CHECKS = [
    Check("auto_cdc_flow", "customers: an AUTO CDC flow, SCD type 2", _auto_cdc, variable=False, todo=1, points=2,
          nudge="dp.create_auto_cdc_flow(target=..., source=..., keys=..., sequence_by=..., apply_as_deletes=..., "
                "except_column_list=..., stored_as_scd_type=..., track_history_column_list=...): the same arguments "
                "as apply_changes in lab 03; the source is the temporary view crm_changes.",
          doc=AUTO_CDC_DOC, answer=FileAnswer(SILVER_SOURCE, path="silver_file")),
    Check("silver_expectations", "silver_transactions: a streaming table that drops rows failing the drop rules",
          _silver_expectations, variable=False, todo=2,
          nudge="@dp.table over the streaming query, and under it @dp.expect_all_or_drop(...) with the drop rules "
                "of the transactions as a dict of name -> constraint: the rules module in the pipeline's root "
                "folder (c360_rules) has a function for it.",
          doc=EXPECTATIONS_DOC, answer=FileAnswer(SILVER_TRANSACTIONS_SOURCE, path="silver_transactions_file")),
    Check("silver_sql", "silver_transactions_sql: the same streaming table in SQL, with its drop constraints",
          _silver_sql, variable=False, todo=3, points=2,
          nudge="a streaming table statement whose column list holds one constraint per drop rule (the table "
                "printed above), each an expect clause with the violation action that drops the row; its query "
                "reads the bronze table as a stream (STREAM) and selects the columns silver_transactions has, "
                "in that order.",
          doc=SQL_TABLE_DOC, answer=FileAnswer(SILVER_TRANSACTIONS_SQL, path="silver_sql_file")),
    Check("customer_spend", "gold: a materialized view over customers and silver_transactions", _spend,
          variable=False, todo=4, points=2, requires=("auto_cdc_flow", "silver_expectations"),
          nudge="@dp.materialized_view over a batch query: the current customers (their SCD2 end column is "
                "still open) joined on the key to silver_transactions aggregated per customer (count, sum).",
          doc=PYTHON_REF_DOC, answer=FileAnswer(GOLD_SOURCE, path="gold_file")),
    Check("first_update", "the first update built every table", _first_update, variable=False,
          requires=("auto_cdc_flow", "silver_expectations", "silver_sql", "customer_spend"),
          nudge="run the cells of section 4 in order.", doc=UPDATES_DOC),
    Check("same_in_sql", "silver_transactions in Python and in SQL: equal tables and expectation counts",
          _same_in_sql, variable=False, requires=("silver_expectations", "silver_sql", "first_update"),
          nudge="the SQL twin must select the same columns, typed the same way, with the same drop rules.",
          doc=SQL_TABLE_DOC),
    Check("incremental_update", "the second update processed only the new files", _incremental, variable=False,
          nudge="land day 1, then run the pipeline again (no full refresh).", doc=UPDATES_DOC),
    Check("full_refresh", "a full refresh rebuilt silver_transactions from all of bronze", _full_refresh,
          variable=False, nudge="pipelines.run(spec, full_refresh=[\"silver_transactions\"]).", doc=UPDATES_DOC),
]
