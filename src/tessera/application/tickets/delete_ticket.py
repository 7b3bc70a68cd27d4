"""Use case: delete a ticket (admins only); its events, ``ticket.deleted`` last, stay in the log."""

from __future__ import annotations

from tessera.application.errors import ForbiddenError, PreconditionFailedError, TicketNotFoundError
from tessera.application.ports.clock import Clock
from tessera.application.ports.unit_of_work import UnitOfWorkFactory
from tessera.application.tickets.commands import DeleteTicket
from tessera.domain.access.principal import Principal, can_delete_tickets


class DeleteTicketHandler:
    """Raises ForbiddenError (not an admin), TicketNotFoundError, PreconditionFailedError,
    ConflictError (the ticket changed while being deleted)."""

    def __init__(self, *, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def __call__(self, command: DeleteTicket, *, principal: Principal) -> None:
        if not can_delete_tickets(principal):
            raise ForbiddenError("Only admins may delete tickets")
        async with self._uow() as uow:
            ticket = await uow.tickets.get(command.ticket_id)
            if ticket is None:
                raise TicketNotFoundError(command.ticket_id)
            expected = command.expected_version
            if expected is not None and ticket.version != expected:
                raise PreconditionFailedError(expected=expected, actual=ticket.version)
            ticket.delete(actor=principal.actor, now=self._clock.now())
            await uow.tickets.delete(ticket)
            await uow.commit()
