"""The webhooks consumer group: turns each event into one delivery per interested webhook."""

from __future__ import annotations

import asyncio

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncEngine

from tessera.application.events.cloudevents import CloudEvent
from tessera.application.ports.clock import Clock
from tessera.domain.webhooks.webhook import DeliveryState
from tessera.infrastructure.clock import SystemClock
from tessera.infrastructure.persistence.direct import Prepared
from tessera.infrastructure.persistence.engine import writer
from tessera.infrastructure.persistence.tables import webhook_deliveries, webhooks
from tessera.infrastructure.persistence.upserts import insert_ignoring_duplicates
from tessera.infrastructure.webhooks.store import webhook_from_row

# Whether any webhook is active: while none is, an event costs this one statement (on
# PostgreSQL one round trip on the direct pool) instead of a write transaction (on SQLite,
# the write lock) that would only find that out.
_ANY_ACTIVE = Prepared(select(exists().where(webhooks.c.active.is_(True)).label("any")))


class WebhookConsumer:
    """Idempotent: a delivery is unique per (webhook, event), so a redelivered event adds
    nothing. Sending is the WebhookSender's job, so a slow target never holds up events.

    A webhook created while an event is being handled may or may not get it, as with any
    event that is in flight when a webhook is created."""

    group = "webhooks"

    def __init__(
        self, engine: AsyncEngine, *, wake: asyncio.Event | None = None, clock: Clock | None = None
    ) -> None:
        self._reads = engine
        self._engine = writer(engine)
        self._wake = wake
        self._clock = clock or SystemClock()

    def wants(self, event_type: str) -> bool:
        return True

    async def handle(self, event: CloudEvent) -> None:
        if not (await _ANY_ACTIVE.rows(self._reads))[0]["any"]:
            return
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
