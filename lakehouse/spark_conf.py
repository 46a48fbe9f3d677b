"""Re-export of :mod:`lakehouse.runtime.spark_conf` for notebooks saved before the runtime moved (lab 09).

Example:
    >>> from lakehouse.spark_conf import session_conf
    >>> session_conf.__module__
    'lakehouse.runtime.spark_conf'
"""

from .runtime.spark_conf import session_conf

__all__ = ["session_conf"]
