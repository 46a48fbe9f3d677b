"""Data quality rules of the Customer 360 sources, declared once as data.

The rules live in the C360 pipeline's root folder (:mod:`lakehouse.c360.pipelines.c360_rules`,
plain data the pipeline's files import as on Databricks); here they are
:class:`~lakehouse.quality.RuleSet` objects for lab 06 and plain Spark code
(``lakehouse.quality.split``). Expressions read the Bronze columns as received (CSV values
are strings: ``try_cast`` gives NULL for a bad value, and a NULL result fails the rule).

Example:
    >>> from lakehouse.c360.rules import TRANSACTIONS
    >>> TRANSACTIONS.names[:3]
    ('has_transaction_id', 'has_customer_id', 'valid_timestamp')
"""

from __future__ import annotations

from ..quality import RuleSet
from .pipelines.c360_rules import RULES

CURRENCIES = ("USD", "EUR", "GBP")
TRANSACTIONS = RuleSet.from_list(RULES["transactions"])
CRM = RuleSet.from_list(RULES["crm"])
CLICKSTREAM = RuleSet.from_list(RULES["clickstream"])
SUPPORT_TICKETS = RuleSet.from_list(RULES["support_tickets"])

__all__ = ["CLICKSTREAM", "CRM", "CURRENCIES", "SUPPORT_TICKETS", "TRANSACTIONS"]
