"""Use case: delete a ticket (admins only); its events, ``ticket.deleted`` last, stay in the log."""

from __future__ import annotations

from tessera.application.attachments.blobs import forget_blobs
from tessera.application.errors import ForbiddenError, PreconditionFailedError, TicketNotFoundError
from tessera.application.ports.clock import Clock
from tessera.application.ports.storage import BlobStorage
from tessera.application.ports.unit_of_work import UnitOfWorkFactory
from tessera.application.tickets.commands import DeleteTicket
from tessera.domain.access.principal import Principal, can_delete_tickets


class DeleteTicketHandler:
    """Raises ForbiddenError (not an admin), TicketNotFoundError, PreconditionFailedError,
    ConflictError (the ticket changed while being deleted). Its files go with it, and their
    bytes too where no other file has the same."""

    def __init__(self, *, uow: UnitOfWorkFactory, clock: Clock, storage: BlobStorage) -> None:
        self._uow = uow
        self._clock = clock
        self._storage = storage

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
            files = await uow.attachments.of_ticket(ticket.id)
            await uow.attachments.remove([f.id for f in files])
            await uow.tickets.delete(ticket)
            await uow.commit()
        await forget_blobs(self._uow, self._storage, [f.sha256 for f in files])
