"""Who a mail acts as: the user of its ``From`` address (a customer, found or created)."""

from __future__ import annotations

from tessera.domain.access.principal import Principal, Role
from tessera.domain.people.users import User, UserRole

NO_TOKEN = 0  # a mail is no API token: its principal names the user, no credential

_ROLES = {UserRole.ADMIN: Role.ADMIN, UserRole.AGENT: Role.AGENT, UserRole.CUSTOMER: Role.REQUESTER}


def mail_author(user: User) -> Principal:
    """Events and history name the sender's user (``user:<id>``); comments are theirs."""
    return Principal(
        token_id=NO_TOKEN,
        user_id=user.id,
        name=user.name,
        role=_ROLES[user.role],
        email=user.email,
        organization_id=user.organization_id,
    )
