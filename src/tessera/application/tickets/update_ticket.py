"""Use case: change a ticket's fields, status, assignee or tags in one step."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from tessera.application.errors import (
    ForbiddenError,
    PreconditionFailedError,
    TicketNotFoundError,
)
from tessera.application.ports.clock import Clock
from tessera.application.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from tessera.application.retry import retrying_conflicts
from tessera.application.tickets.commands import UpdateTicket
from tessera.application.validation import FieldErrors
from tessera.application.views import TicketView
from tessera.domain.access.principal import Principal, can_work_on_tickets
from tessera.domain.errors import DomainValidationError
from tessera.domain.tickets.sla import SlaPolicy
from tessera.domain.tickets.status import parse_status
from tessera.domain.tickets.ticket import UNSET, Ticket, TicketChanges, Unset
from tessera.domain.tickets.values import (
    parse_description,
    parse_priority,
    parse_tags,
    parse_title,
)

R = TypeVar("R")
V = TypeVar("V")


class UpdateTicketHandler:
    """Raises ForbiddenError (not staff), TicketNotFoundError, DomainValidationError,
    InvalidStatusTransitionError, PreconditionFailedError (stale ``expected_version``) and
    ConflictError (the database kept refusing the transaction, after a few tries).

    The ticket is held for update while the change is made, so concurrent updates queue:
    without If-Match each applies to the state the one before left; with If-Match the later
    ones find a newer version and get PreconditionFailedError."""

    def __init__(self, *, uow: UnitOfWorkFactory, clock: Clock, sla: SlaPolicy) -> None:
        self._uow = uow
        self._clock = clock
        self._sla = sla

    async def __call__(self, command: UpdateTicket, *, principal: Principal) -> TicketView:
        if not can_work_on_tickets(principal):
            raise ForbiddenError("Only agents and admins may update tickets")
        changes = parse_changes(command)

        async def attempt() -> TicketView:
            async with self._uow() as uow:
                ticket = await self._load(uow, command)
                if not ticket.visible_to(principal):  # an agent scoped to other groups
                    raise TicketNotFoundError(command.ticket_id)
                await ensure_assignable(uow, ticket, changes)
                if ticket.apply(
                    changes, actor=principal.actor, now=self._clock.now(), sla=self._sla
                ):
                    await uow.tickets.save(ticket)
                    await uow.commit()
                return TicketView.of(ticket)

        return await retrying_conflicts(attempt)

    @staticmethod
    async def _load(uow: UnitOfWork, command: UpdateTicket) -> Ticket:
        ticket = (await uow.tickets.get_for_update((command.ticket_id,))).get(command.ticket_id)
        if ticket is None:
            raise TicketNotFoundError(command.ticket_id)
        expected = command.expected_version
        if expected is not None and ticket.version != expected:
            raise PreconditionFailedError(expected=expected, actual=ticket.version)
        return ticket


def parse_changes(command: UpdateTicket) -> TicketChanges:
    """Turn the raw command into domain values, reporting every bad field at once."""
    fields = FieldErrors()
    changes = TicketChanges(
        title=_parsed(fields, command.title, parse_title),
        description=_parsed(fields, command.description, parse_description),
        priority=_parsed(fields, command.priority, parse_priority),
        status=_parsed(fields, command.status, parse_status),
        tags=_parsed(fields, command.tags, parse_tags),
        assignee_id=command.assignee_id,
        group_id=command.group_id,
        follower_ids=UNSET
        if isinstance(command.follower_ids, Unset)
        else frozenset(command.follower_ids),
        add_tags=fields.take(lambda: parse_tags(command.add_tags), frozenset()),
        remove_tags=fields.take(lambda: parse_tags(command.remove_tags), frozenset()),
    )
    fields.raise_any()
    return changes


def _parsed(fields: FieldErrors, raw: R | Unset, parse: Callable[[R], V]) -> V | Unset:
    if isinstance(raw, Unset):
        return UNSET
    return fields.take(lambda: parse(raw), UNSET)


async def ensure_assignable(uow: UnitOfWork, ticket: Ticket, changes: TicketChanges) -> None:
    """SPEC §13: a group set must exist; the assignee, once the changes apply, must be an
    active agent or admin, and a member of the ticket's group when it has one. Raises
    DomainValidationError (422)."""
    group_id = ticket.group_after(changes)
    if not isinstance(changes.group_id, Unset) and group_id is not None:
        await ensure_group(uow, group_id)
    if not isinstance(changes.follower_ids, Unset):
        await ensure_users(uow, changes.follower_ids)
    if isinstance(changes.assignee_id, Unset) and isinstance(changes.group_id, Unset):
        return
    assignee = ticket.assignee_after(changes)
    if assignee is None:
        return
    user = await uow.users.get(assignee)
    if user is None or not user.active_staff:
        raise DomainValidationError.single("assignee_id", f"{assignee} is not an active agent")
    if group_id is not None and not await uow.groups.is_member(group_id, assignee):
        raise DomainValidationError.single(
            "assignee_id", f"{assignee} is not a member of group {group_id}"
        )


async def ensure_users(uow: UnitOfWork, user_ids: frozenset[int]) -> None:
    """Followers are users that exist (one query for all of them)."""
    found = {u.id for u in await uow.users.get_many(user_ids)}
    if missing := sorted(user_ids - found):
        raise DomainValidationError.single("follower_ids", f"no such users: {missing}")


async def ensure_group(uow: UnitOfWork, group_id: int) -> None:
    if await uow.groups.get(group_id) is None:
        raise DomainValidationError.single("group_id", f"{group_id} is not a group")
