"""``lakehouse.session.get_spark``: the documented place of the course's session (a re-export).

The session lives in :mod:`lakehouse.runtime.session`; this name stays for notebooks and docs.

Example:
    >>> from lakehouse.session import get_spark
    >>> get_spark.__module__
    'lakehouse.runtime.session'
"""

from .runtime.session import get_spark, spark_mode

__all__ = ["get_spark", "spark_mode"]
