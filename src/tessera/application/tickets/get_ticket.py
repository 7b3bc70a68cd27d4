"""Use case: read one ticket."""

from __future__ import annotations

from tessera.application.errors import TicketNotFoundError
from tessera.application.ports.unit_of_work import UnitOfWorkFactory
from tessera.application.tickets.views import TicketView
from tessera.domain.access.principal import Principal, can_see


class GetTicketHandler:
    """Raises TicketNotFoundError when the ticket does not exist or the principal may not see it
    (a requester asking for another customer's ticket learns nothing of its existence)."""

    def __init__(self, *, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def __call__(self, ticket_id: int, *, principal: Principal) -> TicketView:
        async with self._uow() as uow:
            ticket = await uow.tickets.get(ticket_id)
        if ticket is None or not can_see(principal, ticket):
            raise TicketNotFoundError(ticket_id)
        return TicketView.of(ticket)
