"""Data quality rules of the Customer 360 sources, declared once as data.

Used by the C360 pipeline files (``dp.expect_all_or_drop(TRANSACTIONS.as_dict("drop"))``),
by lab 06 and by plain Spark code (``lakehouse.quality.split``). Expressions read the Bronze
columns as received (CSV values are strings: ``try_cast`` gives NULL for a bad value, and a
NULL result fails the rule).

Example:
    >>> from lakehouse.c360.rules import TRANSACTIONS
    >>> TRANSACTIONS.names[:3]
    ('has_transaction_id', 'has_customer_id', 'valid_timestamp')
"""

from __future__ import annotations

from ..quality import Rule, RuleSet

CURRENCIES = ("USD", "EUR", "GBP")

TRANSACTIONS = RuleSet([
    Rule("has_transaction_id", "transaction_id IS NOT NULL", "drop", "every transaction has an id"),
    Rule("has_customer_id", "customer_id IS NOT NULL", "drop", "a sale belongs to a customer"),
    Rule("valid_timestamp", "try_to_timestamp(transaction_ts) IS NOT NULL", "drop", "transaction_ts is a timestamp"),
    Rule("valid_amount", "try_cast(amount AS DECIMAL(12,2)) IS NOT NULL", "drop", "amount is a number"),
    Rule("non_negative_amount", "try_cast(amount AS DECIMAL(12,2)) >= 0", "drop", "no negative sales"),
    Rule("valid_quantity", "try_cast(quantity AS INT) IS NOT NULL", "drop", "quantity is an integer"),
    Rule("known_currency", "currency IN ('USD', 'EUR', 'GBP')", "drop", "a currency we have a rate for"),
    Rule("has_region", "region IS NOT NULL", "warn", "region is filled (short CSV rows lack it)"),
    Rule("no_rescued_data", "_rescued_data IS NULL", "warn", "every value fitted the schema"),
])

CRM = RuleSet([
    Rule("has_customer_id", "customer_id IS NOT NULL", "drop", "a change names its customer"),
    Rule("valid_operation", "upper(operation) IN ('INSERT', 'UPDATE', 'DELETE')", "drop", "a known operation"),
    Rule("valid_sequence", "try_cast(sequence_num AS BIGINT) IS NOT NULL", "drop", "changes are ordered"),
])

CLICKSTREAM = RuleSet([
    Rule("has_event_id", "event_id IS NOT NULL", "drop", "every event has an id"),
    Rule("valid_timestamp", "CAST(event_ts AS TIMESTAMP) IS NOT NULL", "drop", "event_ts is a timestamp"),
    Rule("no_rescued_data", "_rescued_data IS NULL", "warn", "every value fitted the schema"),
])

SUPPORT_TICKETS = RuleSet([
    Rule("has_ticket_id", "ticket_id IS NOT NULL", "drop", "every ticket has an id"),
    Rule("has_customer_id", "customer_id IS NOT NULL", "drop", "a ticket belongs to a customer"),
])

__all__ = ["CLICKSTREAM", "CRM", "CURRENCIES", "SUPPORT_TICKETS", "TRANSACTIONS"]
