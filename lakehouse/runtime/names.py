"""Multi-part table names (``catalog.schema.table``) as Spark SQL writes them, back-quotes included.

Spark SQL quotes an identifier with backticks, and a backtick inside a quoted identifier is
doubled (https://spark.apache.org/docs/latest/sql-ref-identifier.html); a dot separates
the parts only outside quotes. The CDC engine, the pipeline runner and anything else that takes
a table name from a learner split and quote names here.

Example:
    >>> ident_parts("main.c360_silver.`my.t`")
    ('main', 'c360_silver', 'my.t')
    >>> quote_name(("main", "a`b"))
    '`main`.`a``b`'
"""

from __future__ import annotations

from ..errors import LakehouseError


class IdentifierError(LakehouseError):
    """A table name whose back-quotes do not close."""

    code = "INVALID_IDENTIFIER"


def ident_parts(name: str) -> tuple[str, ...]:
    """Split a (possibly back-quoted) multi-part name into its parts, quotes removed.

    Args:
        name: ``table``, ``schema.table``, ``catalog.schema.table``; any part may be back-quoted.

    Returns:
        The parts, stripped of surrounding spaces (an empty part stays ``""``).

    Raises:
        IdentifierError: ``INVALID_IDENTIFIER`` when a back-quote is not closed.

    Example:
        >>> ident_parts("`a``b`.c")
        ('a`b', 'c')
    """
    parts, cur, quoted, i = [], "", False, 0
    while i < len(name):
        ch = name[i]
        if ch == "`":
            if quoted and name[i + 1:i + 2] == "`":
                cur += "`"
                i += 1
            else:
                quoted = not quoted
        elif ch == "." and not quoted:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
        i += 1
    if quoted:
        raise IdentifierError(f"the name {name!r} opens a back-quote that does not close.",
                              fix="close it (`my table`) or double a back-quote inside a quoted name (``).")
    parts.append(cur)
    return tuple(p.strip() for p in parts)


def quote(identifier: str) -> str:
    """Backtick-quote one identifier for SQL (inner backticks doubled)."""
    return "`" + identifier.replace("`", "``") + "`"


def quote_name(parts: tuple[str, ...]) -> str:
    """A multi-part table name, each part quoted: ``('a', 'b')`` -> ``\\`a\\`.\\`b\\```."""
    return ".".join(quote(p) for p in parts)
