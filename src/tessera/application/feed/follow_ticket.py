"""Use case: one ticket's events as they happen, for a page that shows the ticket live."""

from __future__ import annotations

from collections.abc import AsyncGenerator

from tessera.application.errors import ForbiddenError, TicketNotFoundError
from tessera.application.ports.events import EventLog, FeedEntry
from tessera.application.ports.live import LiveFeed
from tessera.application.ports.tickets import TicketReader
from tessera.domain.access.principal import Principal, may_see_ticket


class FollowTicketHandler:
    """Raises ForbiddenError (a customer: the events carry internal notes) and
    TicketNotFoundError (missing, or out of an agent's group scope), both before anything is
    followed. An agent scoped to groups may follow a ticket they see, though not the whole
    feed: every entry handed on is this ticket's.

    ``after`` resumes after a feed position (an SSE ``Last-Event-ID``); None starts at the end
    of the feed as it is when the call is made, so nothing committed after the call is
    missed (what came before, the caller reads with the ticket)."""

    def __init__(self, *, reader: TicketReader, log: EventLog, live: LiveFeed) -> None:
        self._reader = reader
        self._log = log
        self._live = live

    async def __call__(
        self, ticket_id: int, *, principal: Principal, after: int | None
    ) -> AsyncGenerator[FeedEntry, None]:
        if not principal.is_staff:
            raise ForbiddenError("Only agents and admins may follow a ticket's events")
        view = await self._reader.get(ticket_id)
        if view is None or not may_see_ticket(principal, view):
            raise TicketNotFoundError(ticket_id)
        start = await self._log.end() if after is None else after
        return self._entries(ticket_id, start)

    async def _entries(self, ticket_id: int, start: int) -> AsyncGenerator[FeedEntry, None]:
        subject = str(ticket_id)
        async for entry in self._live.follow(after=start):
            if entry.event.subject == subject:
                yield entry
