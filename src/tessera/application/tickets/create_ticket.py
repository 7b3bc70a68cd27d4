"""Use case: open a new ticket."""

from __future__ import annotations

from datetime import datetime

from tessera.application.attachments.claim import attach_all, claim_uploads
from tessera.application.errors import ForbiddenError
from tessera.application.people.directory import find_or_create
from tessera.application.ports.clock import Clock
from tessera.application.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from tessera.application.retry import retrying_conflicts
from tessera.application.tickets.commands import CreateTicket
from tessera.application.tickets.update_ticket import ensure_group, ensure_users
from tessera.application.validation import FieldErrors
from tessera.application.views import TicketView
from tessera.domain.access.mailboxes import EmailAddress, parse_email
from tessera.domain.access.principal import Principal, same_mailbox
from tessera.domain.errors import DomainValidationError
from tessera.domain.people.users import User, UserRole
from tessera.domain.tickets.sla import SlaPolicy
from tessera.domain.tickets.ticket import Ticket
from tessera.domain.tickets.values import (
    Channel,
    Description,
    Priority,
    Tag,
    Title,
    parse_channel,
    parse_description,
    parse_priority,
    parse_tags,
    parse_title,
)


class CreateTicketHandler:
    """Validate, open the ticket, store it with its ``ticket.created`` event.

    The address names the requester: the user with that address, or a new customer (who
    joins the organization whose domain the address is on); or ``requester_id`` names an
    active customer (a requester may name only themselves).

    Raises DomainValidationError (every bad field, an unknown group), ForbiddenError when a
    requester files a ticket for another customer's address, LookalikeAddressError when the
    address is a look-alike of a known one. ``uploads`` are claimed as in ``claim_uploads``.
    """

    def __init__(
        self, *, uow: UnitOfWorkFactory, clock: Clock, sla: SlaPolicy, max_files: int = 10
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._sla = sla
        self._max_files = max_files

    async def __call__(self, command: CreateTicket, *, principal: Principal) -> TicketView:
        fields = FieldErrors()
        title = fields.take(lambda: parse_title(command.title), Title(""))
        description = fields.take(lambda: parse_description(command.description), Description(""))
        email = _address(fields, command)
        priority = fields.take(
            lambda: parse_priority(command.priority or "medium"), Priority.MEDIUM
        )
        tags = fields.take(lambda: parse_tags(command.tags), frozenset[Tag]())
        channel = fields.take(lambda: parse_channel(command.channel or "api"), Channel.API)
        fields.raise_any()
        if not principal.is_staff and command.requester_id not in (None, principal.user_id):
            raise ForbiddenError("Requesters may only file tickets for themselves")
        if (
            not principal.is_staff
            and email is not None
            and not same_mailbox(email, principal.email)
        ):
            raise ForbiddenError("Requesters may only file tickets for their own address")

        async def attempt() -> TicketView:
            now = self._clock.now()
            async with self._uow() as uow:
                files = await claim_uploads(
                    uow, command.uploads, principal=principal, now=now, limit=self._max_files
                )
                requester = await _requester(
                    uow, command.requester_id, email, now=now, actor=principal.actor
                )
                if command.group_id is not None:
                    await ensure_group(uow, command.group_id)
                await ensure_users(uow, frozenset(command.follower_ids))
                ticket = Ticket.open(
                    title=title,
                    description=description,
                    customer_email=requester.email,
                    priority=priority,
                    tags=tags,
                    requester_id=requester.id,
                    organization_id=requester.organization_id,
                    group_id=command.group_id,
                    channel=channel,
                    follower_ids=frozenset(command.follower_ids),
                    actor=principal.actor,
                    now=now,
                    sla=self._sla,
                    attachments=tuple(f.metadata() for f in files),
                )
                await uow.tickets.add(ticket)
                await attach_all(uow, files, ticket_id=ticket.id, comment_id=None, public=True)
                await uow.commit()
            return TicketView.of(ticket)

        # Only SQLite's one-writer lock can make a plain insert conflict; it is worth a retry.
        return await retrying_conflicts(attempt)


def _address(fields: FieldErrors, command: CreateTicket) -> EmailAddress | None:
    """The address given, parsed; one of it and ``requester_id`` is required."""
    if command.customer_email is None:
        if command.requester_id is None:
            fields.take(_no_requester, None)
        return None
    raw = command.customer_email
    return fields.take(lambda: parse_email(raw), EmailAddress(""))


def _no_requester() -> None:
    raise DomainValidationError.single("customer_email", "required unless requester_id is given")


async def _requester(
    uow: UnitOfWork,
    requester_id: int | None,
    email: EmailAddress | None,
    *,
    now: datetime,
    actor: str,
) -> User:
    """The customer ``requester_id`` names (active, and the owner of ``email`` when both are
    given), else the user with the address, found or created."""
    if requester_id is None:
        assert email is not None  # _address required one of them
        await uow.mailboxes.claim(email, field="customer_email")
        return await find_or_create(
            uow, email=email, name=None, role=UserRole.CUSTOMER, now=now, actor=actor
        )
    user = await uow.users.get(requester_id)
    if user is None or not user.active or user.role is not UserRole.CUSTOMER:
        raise DomainValidationError.single("requester_id", "no such active customer")
    if email is not None and not same_mailbox(email, user.email):
        raise DomainValidationError.single("requester_id", "is not the user of customer_email")
    return user
