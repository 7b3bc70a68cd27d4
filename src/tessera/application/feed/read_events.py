"""Use cases: a ticket's history, and the changes feed (incremental export of every event)."""

from __future__ import annotations

from tessera.application.errors import ForbiddenError, TicketNotFoundError
from tessera.application.events.cloudevents import CloudEvent
from tessera.application.ports.events import EventLog, FeedPage
from tessera.application.ports.tickets import TicketReader
from tessera.domain.access.principal import Principal, may_see_ticket
from tessera.domain.events import wanted_types

MAX_PAGE = 1000


def _ensure_staff(principal: Principal) -> None:
    if not principal.is_staff:
        raise ForbiddenError("Only agents and admins may read the event log")


class GetHistoryHandler:
    """Raises ForbiddenError (requesters) and TicketNotFoundError (no events for that id, or,
    for an agent scoped to groups, a ticket out of their scope)."""

    def __init__(self, *, log: EventLog, reader: TicketReader) -> None:
        self._log = log
        self._reader = reader

    async def __call__(
        self, ticket_id: int, *, principal: Principal, after_sequence: int, limit: int
    ) -> list[CloudEvent]:
        _ensure_staff(principal)
        if principal.group_scope is not None:
            view = await self._reader.get(ticket_id)
            if view is None or not may_see_ticket(principal, view):
                raise TicketNotFoundError(ticket_id)
        events = await self._log.history(ticket_id, after_sequence=after_sequence, limit=limit)
        if not events and after_sequence == 0:
            raise TicketNotFoundError(ticket_id)
        return events


class ReadFeedHandler:
    """``after=None`` asks for the end of the feed: no entries, ``next_position`` = the last
    position so far (where a live reader starts). No ``types`` reads a ticket's events
    (people events are read by naming their types). Raises ForbiddenError (requesters, and
    agents scoped to groups: the feed exports every ticket's events)."""

    def __init__(self, *, log: EventLog) -> None:
        self._log = log

    async def __call__(
        self, *, principal: Principal, after: int | None, limit: int, types: tuple[str, ...] = ()
    ) -> FeedPage:
        _ensure_staff(principal)
        if principal.group_scope is not None:
            raise ForbiddenError("Agents scoped to groups read ticket histories, not the feed")
        if after is None:
            return FeedPage(entries=[], next_position=await self._log.end())
        return await self._log.feed(
            after=after, limit=min(limit, MAX_PAGE), types=wanted_types(types)
        )
