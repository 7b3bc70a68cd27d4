"""WebhookStore contract: subscriptions read back as stored, page in id order, and delete
(with their deliveries); deliveries list newest first and are queued again on request;
unknown ones are None or False."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import insert

from tessera.application.ports.webhooks import DeliveryView
from tessera.domain.webhooks.webhook import DeliveryState, Webhook
from tessera.infrastructure.memory.webhooks import InMemoryWebhookStore
from tessera.infrastructure.persistence.tables import webhook_deliveries
from tests.contract.conftest import Adapters

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def webhook(n: int, *, types: frozenset[str] = frozenset()) -> Webhook:
    return Webhook(
        id=0,
        url=f"https://hooks.example.com/{n}",
        event_types=types,
        secret=f"secret-{n}",
        description=None if n % 2 else f"hook {n}",
        created_at=NOW,
    )


def fields(found: Webhook | None) -> tuple[object, ...] | None:
    if found is None:
        return None
    return (found.id, found.url, found.event_types, found.secret, found.description)


async def test_a_subscription_reads_back_as_stored(adapters: Adapters) -> None:
    added = webhook(2, types=frozenset({"ticket.created", "ticket.merged"}))
    await adapters.webhooks.add(added)
    assert added.id >= 1
    found = await adapters.webhooks.get(added.id)
    assert fields(found) == fields(added)
    assert found is not None
    assert found.created_at == NOW
    assert await adapters.webhooks.get(added.id + 1000) is None


async def test_a_saved_change_reads_back_and_an_unknown_one_is_false(adapters: Adapters) -> None:
    added = webhook(3)
    await adapters.webhooks.add(added)
    changed = await adapters.webhooks.get(added.id)
    assert changed is not None
    assert (changed.active, changed.previous_secret) == (True, None)
    changed.rotate_secret("whsec_bmV3", now=NOW)
    changed.disable("it kept failing", now=NOW + timedelta(hours=1))
    changed.description = "renamed"
    assert await adapters.webhooks.save(changed)
    found = await adapters.webhooks.get(added.id)
    assert found is not None
    assert fields(found) == fields(changed)
    assert (found.previous_secret, found.previous_secret_expires_at) == (
        "secret-3",
        NOW + timedelta(hours=24),
    )
    assert (found.active, found.disabled_reason, found.disabled_at) == (
        False,
        "it kept failing",
        NOW + timedelta(hours=1),
    )
    changed.id = added.id + 1000
    assert not await adapters.webhooks.save(changed)


async def test_subscriptions_page_in_id_order(adapters: Adapters) -> None:
    added = [webhook(n) for n in range(5)]
    for each in added:
        await adapters.webhooks.add(each)
    ids = [w.id for w in added]
    assert ids == sorted(set(ids))
    assert [w.id for w in await adapters.webhooks.page(after_id=0, limit=2)] == ids[:2]
    assert [w.id for w in await adapters.webhooks.page(after_id=ids[1], limit=10)] == ids[2:]


async def test_delete_removes_the_subscription_once(adapters: Adapters) -> None:
    kept, gone = webhook(1), webhook(2)
    await adapters.webhooks.add(kept)
    await adapters.webhooks.add(gone)
    assert await adapters.webhooks.delete(gone.id) is True
    assert await adapters.webhooks.delete(gone.id) is False
    assert await adapters.webhooks.get(gone.id) is None
    assert [w.id for w in await adapters.webhooks.page(after_id=0, limit=10)] == [kept.id]


async def test_unknown_deliveries_are_empty_or_none(adapters: Adapters) -> None:
    added = webhook(1)
    await adapters.webhooks.add(added)
    assert await adapters.webhooks.deliveries(added.id, after_id=0, limit=10) == []
    assert await adapters.webhooks.redeliver(added.id, 12345, now=NOW) is None


async def seed_delivery(adapters: Adapters, webhook_id: int, *, state: DeliveryState) -> int:
    """A delivery as the webhook consumer records it (the port only reads them)."""
    row: dict[str, Any] = {
        "webhook_id": webhook_id,
        "event_id": str(uuid.uuid4()),
        "event_type": "ticket.created",
        "state": state.value,
        "attempts": 3,
        "next_attempt_at": None,
        "last_status_code": 500,
        "last_error": "HTTP 500",
        "created_at": NOW,
        "delivered_at": None,
    }
    if isinstance(adapters.webhooks, InMemoryWebhookStore):
        log = adapters.webhooks.delivery_log
        delivery_id = max(log, default=0) + 1
        log[delivery_id] = DeliveryView(id=delivery_id, attempt_log=(), **row)
        return delivery_id
    assert adapters.engine is not None
    async with adapters.engine.begin() as conn:
        result = await conn.execute(insert(webhook_deliveries).values(payload={}, **row))
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


async def test_deliveries_list_newest_first_in_pages(adapters: Adapters) -> None:
    hook, other = webhook(1), webhook(2)
    await adapters.webhooks.add(hook)
    await adapters.webhooks.add(other)
    ids = [await seed_delivery(adapters, hook.id, state=DeliveryState.DEAD) for _ in range(3)]
    await seed_delivery(adapters, other.id, state=DeliveryState.DEAD)
    store = adapters.webhooks
    first = await store.deliveries(hook.id, after_id=0, limit=2)
    assert [d.id for d in first] == ids[::-1][:2]
    rest = await store.deliveries(hook.id, after_id=first[-1].id, limit=2)
    assert [d.id for d in rest] == [ids[0]]
    view = first[0]
    assert (view.webhook_id, view.state, view.attempts, view.last_error) == (
        hook.id,
        "dead",
        3,
        "HTTP 500",
    )
    assert view.created_at == NOW


async def test_a_redelivery_queues_the_delivery_again_with_fresh_attempts(
    adapters: Adapters,
) -> None:
    hook, other = webhook(1), webhook(2)
    await adapters.webhooks.add(hook)
    await adapters.webhooks.add(other)
    delivery_id = await seed_delivery(adapters, hook.id, state=DeliveryState.DEAD)
    later = NOW + timedelta(hours=1)
    assert await adapters.webhooks.redeliver(other.id, delivery_id, now=later) is None
    revived = await adapters.webhooks.redeliver(hook.id, delivery_id, now=later)
    assert revived is not None
    assert (revived.id, revived.state, revived.attempts, revived.next_attempt_at) == (
        delivery_id,
        DeliveryState.PENDING.value,
        0,
        later,
    )
    [listed] = await adapters.webhooks.deliveries(hook.id, after_id=0, limit=10)
    assert listed == revived


async def test_deleting_a_subscription_deletes_its_deliveries(adapters: Adapters) -> None:
    hook = webhook(1)
    await adapters.webhooks.add(hook)
    delivery_id = await seed_delivery(adapters, hook.id, state=DeliveryState.DEAD)
    assert await adapters.webhooks.delete(hook.id)
    assert await adapters.webhooks.deliveries(hook.id, after_id=0, limit=10) == []
    assert await adapters.webhooks.redeliver(hook.id, delivery_id, now=NOW) is None
