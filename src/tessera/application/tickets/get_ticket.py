"""Use case: read one ticket."""

from __future__ import annotations

from tessera.application.errors import TicketNotFoundError
from tessera.application.ports.tickets import TicketReader
from tessera.application.views import TicketView
from tessera.domain.access.principal import Principal, may_see_ticket


class GetTicketHandler:
    """Raises TicketNotFoundError when the ticket does not exist or the principal may not see it
    (a requester asking for another customer's ticket learns nothing of its existence)."""

    def __init__(self, *, reader: TicketReader) -> None:
        self._reader = reader

    async def __call__(self, ticket_id: int, *, principal: Principal) -> TicketView:
        view = await self._reader.get(ticket_id)
        if view is None or not may_see_ticket(principal, view):
            raise TicketNotFoundError(ticket_id)
        return view
