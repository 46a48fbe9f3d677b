"""Users and groups of the local workspace, and the principal statements run as.

The directory is small and fixed (the C360 story's people); ``LAKEHOUSE_HOME/governance/
principals.yaml`` (``users: {email: [groups]}``) adds or replaces users. The course admin
(:data:`ADMIN`, group ``admins``) is the default principal: a metastore admin who owns what it
creates. ``as_user`` switches the acting principal for the statements run inside it, as a
notebook on a cluster of that user would.

Databricks: users and groups come from the account (SCIM); ``current_user()``,
``is_account_group_member()`` and ``is_member()`` answer for the user running the query
(https://docs.databricks.com/aws/en/sql/language-manual/functions/is_account_group_member).

Example:
    >>> from lakehouse.governance.principals import as_user, current_principal
    >>> current_principal().email
    'admin@c360.example'
    >>> with as_user("analyst@c360.example"):
    ...     current_principal().groups
    ('analysts', 'account users')
"""

from __future__ import annotations

import contextlib
import contextvars
from dataclasses import dataclass

from ..runtime.paths import lakehouse_home
from .errors import GovernanceError

ADMIN = "admin@c360.example"
ADMINS = "admins"
ALL_USERS = "account users"   # every user is a member (Databricks' built-in account group)

DIRECTORY: dict[str, tuple[str, ...]] = {
    ADMIN: (ADMINS,),
    "analyst@c360.example": ("analysts",),
    "manager.east@c360.example": ("managers", "region_us_east"),
    "manager.west@c360.example": ("managers", "region_us_west"),
    "support@c360.example": ("support",),
    "engineer@c360.example": ("data_engineers",),
}


@dataclass(frozen=True)
class Principal:
    """A user and the groups it belongs to (``account users`` always included)."""

    email: str
    groups: tuple[str, ...]

    @property
    def is_admin(self) -> bool:
        """A metastore admin (member of ``admins``): every privilege, owner of what it creates."""
        return ADMINS in self.groups

    def names(self) -> frozenset[str]:
        """The user and its groups: whom a grant must name to apply."""
        return frozenset((self.email, *self.groups))


def directory() -> dict[str, tuple[str, ...]]:
    """Users and their groups: :data:`DIRECTORY` plus ``LAKEHOUSE_HOME/governance/principals.yaml``."""
    users = dict(DIRECTORY)
    extra = lakehouse_home() / "governance" / "principals.yaml"
    if extra.is_file():
        import yaml

        data = yaml.safe_load(extra.read_text()) or {}
        for email, groups in (data.get("users") or {}).items():
            users[str(email)] = tuple(str(g) for g in groups or ())
    return users


def principal(email: str, groups=None) -> Principal:
    """The principal ``email`` with ``groups`` (default: the directory's; ``account users`` added).

    Raises:
        GovernanceError: ``email`` is not an email address, or ``groups`` is not a list of names.

    Example:
        >>> principal("support@c360.example").groups
        ('support', 'account users')
    """
    if not isinstance(email, str) or "@" not in email:
        raise GovernanceError(f"a user is an email address, got {email!r}.",
                              fix="use e.g. as_user(\"analyst@c360.example\").")
    if groups is None:
        groups = directory().get(email, ())
    elif isinstance(groups, str) or not all(isinstance(g, str) for g in groups):
        raise GovernanceError(f"groups must be a list of group names, got {groups!r}.",
                              fix='use e.g. groups=["analysts"].')
    return Principal(email, tuple(dict.fromkeys((*groups, ALL_USERS))))


_ACTING: contextvars.ContextVar[Principal | None] = contextvars.ContextVar("lakehouse_principal", default=None)


def current_principal() -> Principal:
    """The principal statements run as: the innermost ``as_user``, else the course admin."""
    return _ACTING.get() or principal(ADMIN, None)


@contextlib.contextmanager
def as_user(email: str, groups=None):
    """Run the statements inside the ``with`` block as another user.

    Args:
        email: the user (``"analyst@c360.example"``).
        groups: its groups; by default the directory's (none for an unknown user).

    Raises:
        GovernanceError: ``email`` is not an email address, or ``groups`` is not a list of names.

    Example:
        >>> import lakehouse
        >>> with lakehouse.as_user("support@c360.example"):        # doctest: +SKIP
        ...     lakehouse.sql("SELECT email FROM main.c360.customers").show()
    """
    token = _ACTING.set(principal(email, groups))
    try:
        yield current_principal()
    finally:
        _ACTING.reset(token)
