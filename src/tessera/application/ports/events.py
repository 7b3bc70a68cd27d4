"""Event ports: consumers that react to published events, and long-running background tasks."""

from __future__ import annotations

import asyncio
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
