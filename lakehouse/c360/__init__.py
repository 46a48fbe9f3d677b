"""The Customer 360 reference implementation: Bronze, Silver and Gold (+ the Gold charts and report).

Labs use it to catch a learner up to a known good state ("start lab 05 from the reference
silver tables"); ``make test`` proves its numbers add up against the data manifest.

Example:
    >>> from lakehouse.c360 import bronze, gold, silver
    >>> bronze.TABLES["crm"], silver.TABLES["customers"], gold.table_names()["customer_360"]
    ('bronze_crm', 'silver_customers', 'customer_360')
"""

from . import bronze, gold, silver

__all__ = ["bronze", "gold", "silver"]
