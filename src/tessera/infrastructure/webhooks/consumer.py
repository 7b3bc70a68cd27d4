"""The webhooks consumer group: turns each event into one delivery per interested webhook."""

from __future__ import annotations

import asyncio

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from tessera.application.events.cloudevents import CloudEvent
from tessera.application.ports.clock import Clock
from tessera.domain.webhooks.webhook import DeliveryState
from tessera.infrastructure.clock import SystemClock
from tessera.infrastructure.persistence.engine import writer
from tessera.infrastructure.persistence.tables import webhook_deliveries, webhooks
from tessera.infrastructure.persistence.upserts import insert_ignoring_duplicates
from tessera.infrastructure.webhooks.store import webhook_from_row


class WebhookConsumer:
    """Idempotent: a delivery is unique per (webhook, event), so a redelivered event adds
    nothing. Sending is the WebhookSender's job, so a slow target never holds up events."""

    group = "webhooks"

    def __init__(
        self, engine: AsyncEngine, *, wake: asyncio.Event | None = None, clock: Clock | None = None
    ) -> None:
        self._engine = writer(engine)
        self._wake = wake
        self._clock = clock or SystemClock()

    def wants(self, event_type: str) -> bool:
        return True

    async def handle(self, event: CloudEvent) -> None:
        async with self._engine.begin() as conn:
            rows = (await conn.execute(select(webhooks))).mappings().all()
            targets = [w for w in map(webhook_from_row, rows) if w.wants(event.type)]
            if not targets:
                return
            now = self._clock.now()
            await conn.execute(
                insert_ignoring_duplicates(webhook_deliveries, dialect=conn.dialect.name),
                [
                    {
                        "webhook_id": webhook.id,
                        "event_id": event.id,
                        "event_type": event.type,
                        "payload": event.to_dict(),
                        "state": DeliveryState.PENDING.value,
                        "attempts": 0,
                        "next_attempt_at": now,
                        "created_at": now,
                    }
                    for webhook in targets
                ],
            )
        if self._wake is not None:
            self._wake.set()
