"""A row condition given as a SQL string or a ``Column``, normalised in one place.

Databricks' Python APIs take a condition either way: ``apply_as_deletes="operation = 'DELETE'"``
or ``expr("operation = 'DELETE'")`` in AUTO CDC
(https://docs.databricks.com/aws/en/ldp/developer/ldp-python-ref-apply-changes), and delta's
``DeltaTable.merge``/``update``/``delete`` take ``Union[str, Column]`` and refuse anything else
with an error naming the argument and the type found
(https://docs.delta.io/latest/api/python/spark/index.html). This module is the one normaliser
for this package: :mod:`lakehouse.quality` (rules) and :mod:`lakehouse.cdc` (delete and
truncate conditions) use it, each raising its own error class.

Example:
    >>> from lakehouse.errors import ConfigError
    >>> check_condition("op = 'DELETE'", "apply_as_deletes", ConfigError)
    "op = 'DELETE'"
    >>> check_condition(42, "apply_as_deletes", ConfigError)
    Traceback (most recent call last):
    ...
    lakehouse.errors.ConfigError: [CONFIG_ERROR] apply_as_deletes must be a SQL condition string or a Column, got int.
"""

from __future__ import annotations

from ..errors import LakehouseError


def check_condition(value, argument: str, error: type[LakehouseError], *, optional: bool = False):
    """Check that ``value`` is a condition (a non-empty SQL string or a ``Column``); return it as given.

    Args:
        value: the condition.
        argument: the argument's name, for the error (``"apply_as_deletes"``).
        error: the :class:`~lakehouse.errors.LakehouseError` subclass to raise.
        optional: accept None (returned as None).

    Returns:
        ``value`` unchanged (a string stays a string: no Spark session is needed).

    Raises:
        error: ``value`` is an empty string, None (unless ``optional``) or of another type.

    Example:
        >>> from lakehouse.errors import ConfigError
        >>> check_condition(None, "apply_as_truncates", ConfigError, optional=True) is None
        True
        >>> check_condition(" ", "expression", ConfigError)
        Traceback (most recent call last):
        ...
        lakehouse.errors.ConfigError: [CONFIG_ERROR] expression must be a non-empty SQL condition, got ' '.
    """
    from pyspark.sql import Column

    if (value is None and optional) or isinstance(value, Column):
        return value
    if isinstance(value, str):
        if not value.strip():
            raise error(f"{argument} must be a non-empty SQL condition, got {value!r}.")
        return value
    raise error(f"{argument} must be a SQL condition string or a Column, got {type(value).__name__}.")


def condition_column(value, argument: str, error: type[LakehouseError], *, optional: bool = False):
    """:func:`check_condition`, then the condition as a ``Column`` (a string through ``expr``).

    Args:
        value: the condition (SQL string or ``Column``).
        argument: the argument's name, for the error.
        error: the :class:`~lakehouse.errors.LakehouseError` subclass to raise.
        optional: accept None (returned as None).

    Returns:
        A ``Column`` (or None for an optional None).

    Raises:
        error: as :func:`check_condition`.

    Example:
        >>> from lakehouse.errors import ConfigError
        >>> condition_column("amount > 0", "expression", ConfigError)    # doctest: +SKIP
        Column<'(amount > 0)'>
    """
    from pyspark.sql import functions as F

    value = check_condition(value, argument, error, optional=optional)
    return F.expr(value) if isinstance(value, str) else value
