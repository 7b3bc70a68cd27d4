"""Use cases: a ticket's history, and the changes feed (incremental export of every event)."""

from __future__ import annotations

from tessera.application.errors import ForbiddenError, TicketNotFoundError
from tessera.application.events.cloudevents import CloudEvent
from tessera.application.ports.events import EventLog, FeedPage
from tessera.domain.access.principal import Principal

MAX_PAGE = 1000


def _ensure_staff(principal: Principal) -> None:
    if not principal.is_staff:
        raise ForbiddenError("Only agents and admins may read the event log")


class GetHistoryHandler:
    """Raises ForbiddenError (requesters) and TicketNotFoundError (no events for that id)."""

    def __init__(self, *, log: EventLog) -> None:
        self._log = log

    async def __call__(
        self, ticket_id: int, *, principal: Principal, after_sequence: int, limit: int
    ) -> list[CloudEvent]:
        _ensure_staff(principal)
        events = await self._log.history(ticket_id, after_sequence=after_sequence, limit=limit)
        if not events and after_sequence == 0:
            raise TicketNotFoundError(ticket_id)
        return events


class ReadFeedHandler:
    """``after=None`` asks for the end of the feed: no entries, ``next_position`` = the last
    position so far (where a live reader starts). Raises ForbiddenError (requesters)."""

    def __init__(self, *, log: EventLog) -> None:
        self._log = log

    async def __call__(
        self, *, principal: Principal, after: int | None, limit: int, types: tuple[str, ...] = ()
    ) -> FeedPage:
        _ensure_staff(principal)
        if after is None:
            return FeedPage(entries=[], next_position=await self._log.end())
        return await self._log.feed(after=after, limit=min(limit, MAX_PAGE), types=types)
