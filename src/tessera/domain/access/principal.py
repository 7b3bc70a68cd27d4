"""The acting principal (an API token's holder) and the rules of what each role may do."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from tessera.domain.access.mailboxes import EmailAddress


class Role(StrEnum):
    ADMIN = "admin"
    AGENT = "agent"
    REQUESTER = "requester"


class TicketFace(Protocol):
    """What visibility reads of a ticket (the aggregate and its view both have it)."""

    @property
    def customer_email(self) -> str: ...

    @property
    def organization_id(self) -> int | None: ...

    @property
    def group_id(self) -> int | None: ...

    @property
    def assignee_id(self) -> int | None: ...


@dataclass(frozen=True, slots=True, kw_only=True)
class Principal:
    """The user a token acts as: ``user_id`` is what ``assignee_id`` and comment authors
    refer to; ``token_id`` is the credential (a user may hold several)."""

    token_id: int
    user_id: int
    name: str
    role: Role
    email: EmailAddress | None = None
    organization_id: int | None = None
    # The customer's organization when it shares tickets: its members see each other's.
    shared_organization_id: int | None = None
    # TESSERA_AGENT_SCOPE=groups: an agent sees only the tickets of these groups (and those
    # assigned to them); None sees every ticket.
    group_scope: frozenset[int] | None = None

    @property
    def actor(self) -> str:
        """How events and logs name this principal: the acting user."""
        return f"user:{self.user_id}"

    @property
    def is_staff(self) -> bool:
        return self.role in (Role.ADMIN, Role.AGENT)


def may_see_customer(principal: Principal, customer_email: str) -> bool:
    """Staff see every customer's tickets; a requester only those filed for their own
    address."""
    return principal.is_staff or same_mailbox(customer_email, principal.email)


def may_see_ticket(principal: Principal, ticket: TicketFace) -> bool:
    """SPEC §13: staff see every ticket (an agent scoped to groups: their groups' and their
    own); a customer their own, and their organization's when it shares tickets."""
    if principal.is_staff:
        scope = principal.group_scope
        return (
            scope is None
            or ticket.group_id in scope
            or (ticket.assignee_id is not None and ticket.assignee_id == principal.user_id)
        )
    shared = principal.shared_organization_id
    return same_mailbox(ticket.customer_email, principal.email) or (
        shared is not None and ticket.organization_id == shared
    )


def same_mailbox(a: str | None, b: str | None) -> bool:
    """Both addresses are in the normal form of ``parse_email``; they name one mailbox only
    when they are equal. Folding case here would make ``strasse@`` the owner of ``straße@``
    (look-alikes are refused when an address is first seen, see ``mailboxes``)."""
    return a is not None and b is not None and a == b


def can_work_on_tickets(principal: Principal) -> bool:
    """Update, merge and bulk changes are staff work."""
    return principal.is_staff


def can_delete_tickets(principal: Principal) -> bool:
    return principal.role is Role.ADMIN


def can_administer(principal: Principal) -> bool:
    """Tokens, webhooks and other configuration."""
    return principal.role is Role.ADMIN
