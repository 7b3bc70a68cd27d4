"""Consumer dispatch with deduplication by (consumer group, event id)."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from tessera.application.events.cloudevents import CloudEvent
from tessera.application.ports.events import EventConsumer
from tessera.infrastructure.persistence.engine import writer
from tessera.infrastructure.persistence.tables import processed_events
from tessera.infrastructure.persistence.upserts import insert_ignoring_duplicates
from tessera.infrastructure.telemetry.tracing import consumer_span

logger = logging.getLogger("tessera.events")


class ConsumerFailedError(RuntimeError):
    """At least one consumer raised; the event must be delivered again."""


class ConsumerDispatcher:
    """Hands each event to each interested consumer once per group.

    The event is marked handled only after ``handle`` returned, so a crash in between means
    one more delivery (at least once), never none. Two handlings of one event can only
    happen when a broker redelivers it while the first is still running; consumers are
    idempotent by event id for that reason.
    """

    def __init__(self, engine: AsyncEngine, consumers: Iterable[EventConsumer]) -> None:
        self._engine = engine
        self._consumers = list(consumers)

    @property
    def groups(self) -> set[str]:
        return {consumer.group for consumer in self._consumers}

    async def dispatch(self, event: CloudEvent, *, group: str | None = None) -> None:
        failed = []
        for consumer in self._consumers:
            if (group is not None and consumer.group != group) or not consumer.wants(event.type):
                continue
            try:
                await self._handle_once(consumer, event)
            except Exception:
                logger.exception(
                    "consumer failed", extra={"group": consumer.group, "event_id": event.id}
                )
                failed.append(consumer.group)
        if failed:
            raise ConsumerFailedError(f"event {event.id} failed in {', '.join(failed)}")

    async def _handle_once(self, consumer: EventConsumer, event: CloudEvent) -> None:
        key = (processed_events.c.consumer_group == consumer.group) & (
            processed_events.c.event_id == event.id
        )
        async with self._engine.connect() as conn:
            if await conn.scalar(select(processed_events.c.event_id).where(key)) is not None:
                return
        with consumer_span(event, group=consumer.group):
            await consumer.handle(event)
        async with writer(self._engine).begin() as conn:
            await conn.execute(
                insert_ignoring_duplicates(processed_events, dialect=self._engine.dialect.name),
                {
                    "consumer_group": consumer.group,
                    "event_id": event.id,
                    "processed_at": datetime.now(UTC),
                },
            )
