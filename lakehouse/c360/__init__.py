"""The Customer 360 reference implementation: Bronze and Silver (Gold comes with lab 08).

Labs use it to catch a learner up to a known good state ("start lab 05 from the reference
silver tables"); ``make test`` proves its numbers add up against the data manifest.

Example:
    >>> from lakehouse.c360 import bronze, silver
    >>> bronze.TABLES["crm"], silver.TABLES["customers"]
    ('bronze_crm', 'silver_customers')
"""

from . import bronze, silver

__all__ = ["bronze", "silver"]
