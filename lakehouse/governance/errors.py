"""Errors of the Unity Catalog emulation, each with a stable code.

Example:
    >>> from lakehouse.governance.errors import PermissionDeniedError
    >>> PermissionDeniedError.code
    'PERMISSION_DENIED'
"""

from __future__ import annotations

from ..errors import LakehouseError
from ..runtime.names import quote


class GovernanceError(LakehouseError):
    """A Unity Catalog statement or object that the emulation cannot accept."""

    code = "GOVERNANCE_ERROR"


class PermissionDeniedError(GovernanceError):
    """The acting principal lacks a privilege (Databricks raises ``PERMISSION_DENIED`` too).

    Attributes:
        privilege: the missing privilege (``SELECT``, ``USE SCHEMA`` ...).
        securable: the object's type and full name (``TABLE main.sales.orders``).
    """

    code = "PERMISSION_DENIED"

    def __init__(self, principal: str, privilege: str, securable: str):
        self.principal, self.privilege, self.securable = principal, privilege, securable
        super().__init__(f"User {principal} does not have {privilege} on {securable}.",
                         fix=f"ask the owner: GRANT {privilege} ON {securable} TO {quote(principal)} "
                             f"(or to one of the user's groups).")


class UcSyntaxError(GovernanceError):
    """A Unity Catalog statement (GRANT, SET ROW FILTER, SET MASK, SET TAGS ...) that does not parse."""

    code = "UC_STATEMENT_SYNTAX"


class NotFoundError(GovernanceError):
    """A catalog, schema or table that does not exist; the message names it and the SHOW command
    that lists the real ones. ``condition`` is Databricks' error condition
    (``NO_SUCH_CATALOG_EXCEPTION``, ``SCHEMA_NOT_FOUND``, ``TABLE_OR_VIEW_NOT_FOUND``).

    Example:
        >>> NotFoundError("NO_SUCH_CATALOG_EXCEPTION", "catalog nope does not exist.", fix="SHOW CATALOGS lists them.").code
        'NOT_FOUND'
    """

    code = "NOT_FOUND"

    def __init__(self, condition: str, message: str, **kwargs):
        self.condition = condition
        super().__init__(f"[{condition}] {message}", **kwargs)


class AlreadyExistsError(GovernanceError):
    """CREATE of something that exists, without IF NOT EXISTS (``CATALOG_ALREADY_EXISTS``)."""

    code = "CATALOG_ALREADY_EXISTS"
