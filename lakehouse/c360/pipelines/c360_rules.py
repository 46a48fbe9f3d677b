"""The data quality rules of the Customer 360 sources, as data, in the pipeline's root folder.

Plain Python and PySpark (no ``lakehouse`` import): the pipeline's files ``import c360_rules``
because a pipeline's root folder is on ``sys.path``, on Databricks
(https://docs.databricks.com/aws/en/ldp/import-workspace-files) as locally. This is the
"Python module" form of portable expectations
(https://docs.databricks.com/aws/en/ldp/expectation-patterns): rules stored apart from the
pipeline logic, filtered into the dicts ``@dp.expect_all*`` take. :mod:`lakehouse.c360.rules`
builds lab 06's rule sets from :data:`RULES`, so the rules are declared once.

A constraint reads the Bronze columns as received (CSV values are strings: ``try_cast`` gives
NULL for a bad value) and a row passes only when it is TRUE (a NULL result fails).

Example:
    >>> get_rules("crm", "drop")["valid_sequence"]
    'try_cast(sequence_num AS BIGINT) IS NOT NULL'
    >>> sorted(get_rules("clickstream", "warn"))
    ['no_rescued_data']
"""

RULES = {  # source -> rules in the plain form of lakehouse.quality.Rule.to_dict
    "transactions": [
        {"name": "has_transaction_id", "expression": "transaction_id IS NOT NULL", "action": "drop",
         "description": "every transaction has an id"},
        {"name": "has_customer_id", "expression": "customer_id IS NOT NULL", "action": "drop",
         "description": "a sale belongs to a customer"},
        {"name": "valid_timestamp", "expression": "try_to_timestamp(transaction_ts) IS NOT NULL", "action": "drop",
         "description": "transaction_ts is a timestamp"},
        {"name": "valid_amount", "expression": "try_cast(amount AS DECIMAL(12,2)) IS NOT NULL", "action": "drop",
         "description": "amount is a number"},
        {"name": "non_negative_amount", "expression": "try_cast(amount AS DECIMAL(12,2)) >= 0", "action": "drop",
         "description": "no negative sales"},
        {"name": "valid_quantity", "expression": "try_cast(quantity AS INT) IS NOT NULL", "action": "drop",
         "description": "quantity is an integer"},
        {"name": "known_currency", "expression": "currency IN ('USD', 'EUR', 'GBP')", "action": "drop",
         "description": "a currency we have a rate for"},
        {"name": "has_region", "expression": "region IS NOT NULL", "action": "warn",
         "description": "region is filled (short CSV rows lack it)"},
        {"name": "no_rescued_data", "expression": "_rescued_data IS NULL", "action": "warn",
         "description": "every value fitted the schema"},
    ],
    "crm": [
        {"name": "has_customer_id", "expression": "customer_id IS NOT NULL", "action": "drop",
         "description": "a change names its customer"},
        {"name": "valid_operation", "expression": "upper(operation) IN ('INSERT', 'UPDATE', 'DELETE')",
         "action": "drop", "description": "a known operation"},
        {"name": "valid_sequence", "expression": "try_cast(sequence_num AS BIGINT) IS NOT NULL", "action": "drop",
         "description": "changes are ordered"},
    ],
    "clickstream": [
        {"name": "has_event_id", "expression": "event_id IS NOT NULL", "action": "drop",
         "description": "every event has an id"},
        {"name": "valid_timestamp", "expression": "CAST(event_ts AS TIMESTAMP) IS NOT NULL", "action": "drop",
         "description": "event_ts is a timestamp"},
        {"name": "no_rescued_data", "expression": "_rescued_data IS NULL", "action": "warn",
         "description": "every value fitted the schema"},
    ],
    "support_tickets": [
        {"name": "has_ticket_id", "expression": "ticket_id IS NOT NULL", "action": "drop",
         "description": "every ticket has an id"},
        {"name": "has_customer_id", "expression": "customer_id IS NOT NULL", "action": "drop",
         "description": "a ticket belongs to a customer"},
    ],
}


def get_rules(source, action=None):
    """``{name: constraint}`` of the rules of ``source`` with ``action`` (every rule when None)."""
    return {r["name"]: r["expression"] for r in RULES[source] if action in (None, r["action"])}


def quarantined(df, source):
    """The rows of ``df`` failing a ``drop`` or ``fail`` rule of ``source``, plus ``failed_rules`` (every rule
    they fail, ``warn`` ones included).

    The quarantine table of the expectation-patterns page, with the failed rules' names kept
    (what ``lakehouse.quality.split(df, rules).quarantined`` gives in plain Spark).
    """
    from pyspark.sql import functions as F

    def passes(constraint):
        return F.coalesce(F.expr(constraint), F.lit(False))

    failed = F.filter(F.array(*[F.when(~passes(c), F.lit(n)) for n, c in get_rules(source).items()]),
                      lambda name: name.isNotNull())
    ok = F.lit(True)
    for rule in RULES[source]:
        if rule["action"] != "warn":
            ok = ok & passes(rule["expression"])
    return df.where(~ok).withColumn("failed_rules", failed)
