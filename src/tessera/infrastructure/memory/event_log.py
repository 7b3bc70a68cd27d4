"""In-memory event log: the committed events of the store, in commit order."""

from __future__ import annotations

from tessera.application.events.cloudevents import DEFAULT_SOURCE, CloudEvent
from tessera.application.ports.events import FeedEntry, FeedPage
from tessera.domain.events import DomainEvent
from tessera.infrastructure.memory.store import MemoryStore


class InMemoryEventLog:
    """Positions are list indexes from 1: the store appends events as they commit."""

    def __init__(self, store: MemoryStore, *, source: str = DEFAULT_SOURCE) -> None:
        self._store = store
        self._source = source

    async def history(self, ticket_id: int, *, after_sequence: int, limit: int) -> list[CloudEvent]:
        events = [
            CloudEvent.of(e, source=self._source)
            for e in self._store.events
            if isinstance(e, DomainEvent)
            and e.ticket_id == ticket_id
            and e.sequence > after_sequence
        ]
        return sorted(events, key=lambda e: e.sequence)[:limit]

    async def feed(self, *, after: int, limit: int, types: tuple[str, ...]) -> FeedPage:
        entries = [
            FeedEntry(position, CloudEvent.of(event, source=self._source))
            for position, event in enumerate(self._store.events, 1)
            if position > after and (not types or event.type in types)
        ][:limit]
        caught_up = len(entries) < limit
        next_position = max(after, len(self._store.events)) if caught_up else entries[-1].position
        return FeedPage(entries=entries, next_position=next_position)

    async def end(self) -> int:
        return len(self._store.events)
