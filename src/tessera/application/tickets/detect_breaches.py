"""Use case: record SLA breaches, once per target per ticket (the periodic SLA job)."""

from __future__ import annotations

from tessera.application.errors import ConflictError
from tessera.application.ports.clock import Clock
from tessera.application.ports.tickets import TicketReader
from tessera.application.ports.unit_of_work import UnitOfWorkFactory

BATCH = 200


class DetectBreachesHandler:
    """Returns how many tickets got a breach recorded. Safe to run on several workers at once:
    each breach is a versioned change of its ticket, so when two jobs race, one commits and
    the other's write is refused (and the ticket no longer qualifies on its next look)."""

    def __init__(self, *, uow: UnitOfWorkFactory, reader: TicketReader, clock: Clock) -> None:
        self._uow = uow
        self._reader = reader
        self._clock = clock

    async def __call__(self) -> int:
        now = self._clock.now()
        recorded = 0
        for ticket_id in await self._reader.breach_candidates(now=now, limit=BATCH):
            try:
                async with self._uow() as uow:
                    ticket = await uow.tickets.get(ticket_id)
                    if ticket is None or not ticket.record_breaches(now=now):
                        continue
                    await uow.tickets.save(ticket)
                    await uow.commit()
                    recorded += 1
            except ConflictError:
                continue  # another job (or a user) changed it first; looked at again next run
        return recorded
