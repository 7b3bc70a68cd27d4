"""The webhooks consumer on SQLite and PostgreSQL: one delivery per active webhook that wants
the event, none for a disabled one or one whose filter leaves the event out, and, while no
webhook is active, no transaction at all (on PostgreSQL, not even a connection of the
engine's pool)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import event as sqlalchemy_event
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from tessera.domain.webhooks.webhook import Webhook
from tessera.infrastructure.persistence.tables import webhook_deliveries, webhooks
from tessera.infrastructure.webhooks.consumer import WebhookConsumer
from tessera.infrastructure.webhooks.store import webhook_row
from tests.contract.brokers import event

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


async def _add(engine: AsyncEngine, *, active: bool, event_types: frozenset[str]) -> int:
    hook = Webhook(
        id=0,
        url="https://hooks.example.com/in",
        event_types=event_types,
        secret="whsec_" + "a" * 32,
        description=None,
        created_at=NOW,
        active=active,
    )
    async with engine.begin() as conn:
        result = await conn.execute(insert(webhooks).values(**webhook_row(hook)))
        return int(result.inserted_primary_key[0])  # type: ignore[index]


async def _deliveries(engine: AsyncEngine) -> list[tuple[int, str]]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            select(webhook_deliveries.c.webhook_id, webhook_deliveries.c.event_id).order_by(
                webhook_deliveries.c.webhook_id
            )
        )
        return [(row[0], row[1]) for row in rows]


def _checkouts(engine: AsyncEngine) -> list[object]:
    taken: list[object] = []
    sqlalchemy_event.listen(
        engine.sync_engine.pool, "checkout", lambda *args: taken.append(args[0])
    )
    return taken


async def test_each_active_webhook_that_wants_the_event_gets_one_delivery(
    engine: AsyncEngine,
) -> None:
    wanting = await _add(engine, active=True, event_types=frozenset())
    await _add(engine, active=True, event_types=frozenset({"ticket.created"}))
    await _add(engine, active=False, event_types=frozenset())
    consumer = WebhookConsumer(engine)
    updated = event(1, 1)  # ticket.updated
    await consumer.handle(updated)
    await consumer.handle(updated)  # redelivered: nothing more
    # not the disabled one, not the one whose filter leaves ticket.updated out
    assert await _deliveries(engine) == [(wanting, updated.id)]


async def test_no_active_webhook_costs_no_transaction(engine: AsyncEngine) -> None:
    await _add(engine, active=False, event_types=frozenset())
    consumer = WebhookConsumer(engine)
    taken = _checkouts(engine)
    await consumer.handle(event(1, 1))
    if engine.dialect.name == "postgresql":
        # One statement on the direct pool: the engine's pool is not touched.
        assert taken == []
    assert await _deliveries(engine) == []
    # Once a webhook is active, the same event is queued for it.
    hook = await _add(engine, active=True, event_types=frozenset())
    again = event(1, 2)
    await consumer.handle(again)
    assert await _deliveries(engine) == [(hook, again.id)]
