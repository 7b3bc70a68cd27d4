"""Use case: the files of a ticket and its comments that the principal may see."""

from __future__ import annotations

from tessera.application.errors import TicketNotFoundError
from tessera.application.ports.unit_of_work import UnitOfWorkFactory
from tessera.application.views import AttachmentView
from tessera.domain.access.principal import Principal


class ListTicketAttachmentsHandler:
    """In upload order; requesters do not see internal notes' files. Raises
    TicketNotFoundError."""

    def __init__(self, *, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def __call__(self, ticket_id: int, *, principal: Principal) -> list[AttachmentView]:
        async with self._uow() as uow:
            ticket = await uow.tickets.get(ticket_id)
            if ticket is None or not ticket.visible_to(principal):
                raise TicketNotFoundError(ticket_id)
            found = await uow.attachments.of_ticket(ticket_id)
        return [AttachmentView.of(a) for a in found if a.visible_to(principal)]
