"""Event ports: consumers that react to published events, and long-running background tasks."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Protocol

from tessera.application.events.cloudevents import CloudEvent


class EventConsumer(Protocol):
    """Reacts to events, at least once each; must be idempotent (deduplicate by event id).

    ``group`` names the consumer group: N workers share a group's work, and each event is
    handled once per group. Raising makes the event be delivered again later.
    """

    @property
    def group(self) -> str: ...

    def wants(self, event_type: str) -> bool:
        """Whether this consumer cares about the type (others are acknowledged unseen)."""
        ...

    async def handle(self, event: CloudEvent) -> None: ...


class BackgroundTask(Protocol):
    """A loop that runs in ``tessera worker`` (and inside ``tessera serve`` when embedded):
    the outbox relay, consumers, periodic jobs. ``run`` returns soon after ``stop`` is set,
    leaving nothing half-done."""

    @property
    def name(self) -> str: ...

    async def run(self, stop: asyncio.Event) -> None: ...


class EventPublisher(Protocol):
    """Hands events to the broker (or the in-process bus). Raises on failure: the relay keeps
    the events and tries again later, so a publisher never needs to retry by itself."""

    async def publish(self, events: list[CloudEvent]) -> None: ...


@dataclass(frozen=True, slots=True)
class FeedEntry:
    """An event with its place in the changes feed."""

    position: int
    event: CloudEvent


@dataclass(frozen=True, slots=True)
class FeedPage:
    entries: list[FeedEntry]
    next_position: int


class EventLog(Protocol):
    """Reads the stored events: one ticket's history, and the feed of all events."""

    async def history(self, ticket_id: int, *, after_sequence: int, limit: int) -> list[CloudEvent]:
        """The ticket's events in sequence order (also after the ticket was deleted)."""
        ...

    async def feed(self, *, after: int, limit: int, types: tuple[str, ...]) -> FeedPage:
        """Events in feed order after position ``after`` (only ``types``, when given: the
        log itself holds every event, people events too); ``next_position`` resumes it."""
        ...

    async def end(self) -> int:
        """The last feed position so far (0 for an empty feed)."""
        ...
