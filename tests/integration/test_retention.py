"""The retention sweep: old consumer records and expired idempotency keys go, recent ones stay."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from tessera.infrastructure.persistence.retention import RetentionSweep
from tessera.infrastructure.persistence.tables import idempotency_keys, processed_events
from tests.support import FrozenClock

RETENTION = timedelta(hours=168)


async def test_old_processed_events_and_expired_keys_are_swept_and_recent_ones_stay(
    engine: AsyncEngine, clock: FrozenClock
) -> None:
    now = clock.now()
    processed = {
        "old": now - RETENTION - timedelta(minutes=1),
        "recent": now - RETENTION + timedelta(minutes=1),
    }
    keys = {"expired": now - timedelta(seconds=1), "live": now + timedelta(hours=1)}
    async with engine.begin() as conn:
        await conn.execute(
            insert(processed_events),
            [
                {"consumer_group": "webhooks", "event_id": name, "processed_at": at}
                for name, at in processed.items()
            ],
        )
        await conn.execute(
            insert(idempotency_keys),
            [
                {
                    "owner": "o",
                    "key": name,
                    "fingerprint": "f",
                    "state": "done",
                    "created_at": now - timedelta(days=2),
                    "expires_at": at,
                }
                for name, at in keys.items()
            ],
        )

    swept = await RetentionSweep(engine, clock=clock, processed_retention=RETENTION)()

    async with engine.connect() as conn:
        left_events = set(await conn.scalars(select(processed_events.c.event_id)))
        left_keys = set(await conn.scalars(select(idempotency_keys.c.key)))
    assert swept == 2
    assert left_events == {"recent"}
    assert left_keys == {"live"}
