"""WebhookStore contract: subscriptions read back as stored, page in id order, and delete
(with their deliveries); unknown ones are None or False."""

from __future__ import annotations

from datetime import UTC, datetime

from tessera.domain.webhooks.webhook import Webhook
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
