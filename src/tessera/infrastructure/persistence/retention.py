"""The retention sweep: consumer deduplication records and idempotency keys do not pile up."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncEngine

from tessera.application.ports.clock import Clock
from tessera.infrastructure.persistence.engine import writer
from tessera.infrastructure.persistence.errors import database_errors
from tessera.infrastructure.persistence.tables import idempotency_keys, processed_events
from tessera.infrastructure.persistence.tables import portal_login_links as login_links


class RetentionSweep:
    """Deletes ``processed_events`` rows older than ``processed_retention`` and idempotency keys
    past their expiry (an answer past its retention, a claim past its lease), and the portal's
    expired login links. Returns how many rows went.

    ``processed_retention`` must be longer than a broker can take to redeliver an event: a
    redelivery after its record went would run the consumer again."""

    def __init__(
        self, engine: AsyncEngine, *, clock: Clock, processed_retention: timedelta
    ) -> None:
        self._engine = writer(engine)
        self._clock = clock
        self._processed_retention = processed_retention

    async def __call__(self) -> int:
        now = self._clock.now()
        async with database_errors(), self._engine.begin() as conn:
            processed = await conn.execute(
                delete(processed_events).where(
                    processed_events.c.processed_at < now - self._processed_retention
                )
            )
            keys = await conn.execute(
                delete(idempotency_keys).where(idempotency_keys.c.expires_at <= now)
            )
            # The portal's login links, once expired, open nothing: they go too.
            links = await conn.execute(delete(login_links).where(login_links.c.expires_at <= now))
        return int(processed.rowcount) + int(keys.rowcount) + int(links.rowcount)
