"""Customer 360 Lakehouse Lab: the shared package behind the course.

Example:
    >>> import lakehouse
    >>> sorted(lakehouse.__all__)[:2]
    ['LakehouseError', 'doctor']
"""

from .errors import LakehouseError
from .session import get_spark


def doctor(*, verbose: bool = True):
    """Check the environment (Java, versions, jars, kernel, disk); see :mod:`lakehouse.doctor`."""
    from .doctor import run_doctor

    return run_doctor(verbose=verbose)


__all__ = ["LakehouseError", "doctor", "get_spark"]
