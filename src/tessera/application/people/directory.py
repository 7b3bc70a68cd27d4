"""Finding people by address: the customer a ticket or a token names, created when new."""

from __future__ import annotations

import secrets
from datetime import datetime

from tessera.application.people.events import SYSTEM_ACTOR, user_fields
from tessera.application.ports.unit_of_work import UnitOfWork
from tessera.domain.access.mailboxes import EmailAddress, parse_email
from tessera.domain.events import UserCreated
from tessera.domain.people.names import NAME_MAX
from tessera.domain.people.organizations import domain_of
from tessera.domain.people.users import User, UserRole

# Staff tokens issued without an address (the old body of POST /v1/tokens) get a user with an
# address on this reserved domain (RFC 2606): never deliverable, and plainly a placeholder.
PLACEHOLDER_DOMAIN = "tokens.invalid"


def placeholder_address() -> EmailAddress:
    return parse_email(f"token-{secrets.token_hex(6)}@{PLACEHOLDER_DOMAIN}", field="email")


async def find_or_create(
    uow: UnitOfWork,
    *,
    email: EmailAddress,
    name: str | None,
    role: UserRole,
    now: datetime,
    actor: str = SYSTEM_ACTOR,
) -> User:
    """The user with this address, or a new one with ``role`` (a new customer joins the
    organization whose domain the address is on), recorded as ``user.created`` by
    ``actor``. Claims the address first: a look-alike of a known spelling raises
    LookalikeAddressError."""
    await uow.mailboxes.claim(email, field="email")
    found = await uow.users.get_by_email(email)
    if found is not None:
        return found
    organization = (
        await uow.organizations.get_by_domain(domain_of(email))
        if role is UserRole.CUSTOMER
        else None
    )
    user = User.register(
        name=(name or email.rpartition("@")[0])[:NAME_MAX],
        email=email,
        role=role,
        now=now,
        organization_id=organization.id if organization else None,
    )
    await uow.users.add(user)
    uow.record(
        UserCreated(subject_id=user.id, actor=actor, occurred_at=now, user=user_fields(user))
    )
    return user
