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
