"""Use case: one change applied to many tickets, all or nothing."""

from __future__ import annotations

from tessera.application.errors import ForbiddenError
from tessera.application.ports.clock import Clock
from tessera.application.ports.unit_of_work import UnitOfWorkFactory
from tessera.application.retry import retrying_conflicts
from tessera.application.tickets.commands import BulkUpdateTickets
from tessera.application.tickets.update_ticket import ensure_assignable, parse_changes
from tessera.application.views import TicketView
from tessera.domain.access.principal import Principal, can_work_on_tickets
from tessera.domain.errors import DomainValidationError, FieldError
from tessera.domain.tickets.sla import SlaPolicy

MAX_BULK = 100


class BulkUpdateHandler:
    """Every ticket gets the change (and its own events) in one transaction, or none does.

    Raises ForbiddenError, DomainValidationError (bad change, too many ids, unknown ids, listed
    in ``details``) and InvalidStatusTransitionError (for the first ticket that cannot move).
    """

    def __init__(self, *, uow: UnitOfWorkFactory, clock: Clock, sla: SlaPolicy) -> None:
        self._uow = uow
        self._clock = clock
        self._sla = sla

    async def __call__(
        self, command: BulkUpdateTickets, *, principal: Principal
    ) -> list[TicketView]:
        if not can_work_on_tickets(principal):
            raise ForbiddenError("Only agents and admins may update tickets")
        ids = list(dict.fromkeys(command.ticket_ids))
        if not 1 <= len(ids) <= MAX_BULK:
            raise DomainValidationError.single("ids", f"give 1 to {MAX_BULK} ticket ids")
        changes = parse_changes(command.changes)

        async def attempt() -> list[TicketView]:
            async with self._uow() as uow:
                held = await uow.tickets.get_for_update(ids)
                loaded = {ticket_id: held.get(ticket_id) for ticket_id in ids}
                missing = [
                    ticket_id
                    for ticket_id, ticket in loaded.items()
                    if ticket is None or not ticket.visible_to(principal)
                ]
                if missing:
                    raise DomainValidationError(
                        [
                            FieldError("ids", f"ticket {ticket_id} does not exist")
                            for ticket_id in missing
                        ]
                    )
                now = self._clock.now()
                tickets = [ticket for ticket in loaded.values() if ticket is not None]
                for ticket in tickets:
                    await ensure_assignable(uow, ticket, changes)
                for ticket in tickets:
                    if ticket.apply(changes, actor=principal.actor, now=now, sla=self._sla):
                        await uow.tickets.save(ticket)
                await uow.commit()
                return [TicketView.of(ticket) for ticket in tickets]

        return await retrying_conflicts(attempt)
