"""Customer 360 Lakehouse Lab: the shared package behind the course.

Example:
    >>> import lakehouse
    >>> sorted(lakehouse.__all__)[:2]
    ['LakehouseError', 'as_user']
"""

from .errors import LakehouseError
from .runtime.session import get_spark


def sql(statement: str, *, spark=None):
    """Run one SQL statement (Databricks dialect) with Unity Catalog's rules, as the acting principal.

    Spark SQL runs with row filters and column masks applied; GRANT, REVOKE, SHOW GRANTS, SET ROW
    FILTER, SET MASK, SET TAGS and SQL functions run on the local metastore; see
    :mod:`lakehouse.governance`. On Databricks the statement goes to ``spark.sql`` as is.

    Args:
        statement: one SQL statement.
        spark: the session (default :func:`get_spark`).

    Returns:
        A DataFrame, as ``spark.sql`` (empty for GRANT and the other Unity Catalog statements).

    Raises:
        lakehouse.governance.PermissionDeniedError: ``PERMISSION_DENIED``, naming the privilege and the object.
        lakehouse.governance.UcSyntaxError: a Unity Catalog statement that does not parse.

    Example:
        >>> import lakehouse                                                       # doctest: +SKIP
        >>> lakehouse.sql("SELECT details:flow_progress.status FROM event_log_raw")  # doctest: +SKIP
    """
    from .governance.execute import sql as governed_sql

    return governed_sql(statement, spark=spark)


def as_user(email: str, groups=None):
    """Context manager: statements inside run as ``email`` (see :func:`lakehouse.governance.as_user`)."""
    from .governance.principals import as_user as _as_user

    return _as_user(email, groups)


def doctor(*, verbose: bool = True):
    """Check the environment (Java, versions, jars, kernel, disk); see :mod:`lakehouse.runtime.doctor`."""
    from .runtime.doctor import run_doctor

    return run_doctor(verbose=verbose)


__all__ = ["LakehouseError", "as_user", "doctor", "get_spark", "sql"]
