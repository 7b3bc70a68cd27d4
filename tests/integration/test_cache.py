"""The two-level cache: a slow reader never stores an older version, Redis failing mid-traffic
costs no request, and hits come back with it."""

from __future__ import annotations

import asyncio
import builtins
from collections.abc import AsyncIterator, Sequence
from datetime import datetime

import httpx
import pytest
from redis.asyncio import Redis

from tessera.application.queries import ListTickets
from tessera.application.views import TicketPage, TicketView
from tessera.bootstrap.container import Container, Overrides, build_container
from tessera.bootstrap.settings import DatabaseSettings, Environment, Settings
from tessera.infrastructure.cache.keys import CacheKeys
from tessera.infrastructure.cache.local import LocalCache
from tessera.infrastructure.cache.redis_cache import RedisTicketCache
from tessera.infrastructure.cache.stats import CacheStats
from tessera.infrastructure.cache.tickets import CachedTicketReader, CacheInvalidator
from tessera.infrastructure.persistence.readers import SqlAlchemyTicketReader
from tessera.presentation.http.app import create_app
from tests.e2e.conftest import ADMIN_SECRET
from tests.servers import ThrowawayServer
from tests.support import FrozenClock

pytestmark = pytest.mark.redis

AUTH = {"Authorization": f"Bearer {ADMIN_SECRET}"}
NEW = {"title": "Cached", "description": "Read many times.", "customer_email": "a@example.com"}


def settings_for(database_url: str, redis_url: str | None) -> Settings:
    return Settings(
        env=Environment.TEST,
        bootstrap_admin_token=ADMIN_SECRET,
        database=DatabaseSettings(url=database_url),
        redis_url=redis_url,
    )


@pytest.fixture
async def client_and_container(
    database_url: str, throwaway_redis: ThrowawayServer, clock: FrozenClock
) -> AsyncIterator[tuple[httpx.AsyncClient, Container]]:
    container = build_container(
        settings_for(database_url, f"redis://127.0.0.1:{throwaway_redis.port}/0"),
        overrides=Overrides(clock=clock),
    )
    await container.start()
    app = create_app(container.services)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t", headers=AUTH) as client:
        yield client, container
    await container.close()


class GatedReader:
    """The database read, held at the seam between loading and filling the cache."""

    def __init__(self, inner: SqlAlchemyTicketReader) -> None:
        self._inner = inner
        self.loaded = asyncio.Event()
        self.release = asyncio.Event()

    async def get(self, ticket_id: int) -> TicketView | None:
        view = await self._inner.get(ticket_id)
        self.loaded.set()
        await self.release.wait()
        return view

    async def breach_candidates(self, *, now: datetime, limit: int) -> list[int]:
        return await self._inner.breach_candidates(now=now, limit=limit)

    async def list(self, query: ListTickets) -> TicketPage:
        return await self._inner.list(query)

    async def count(
        self, queries: Sequence[ListTickets], *, up_to: int | None = None
    ) -> builtins.list[int]:
        return await self._inner.count(queries, up_to=up_to)


@pytest.mark.parametrize("with_redis", [False, True], ids=["l1", "l1+l2"])
async def test_a_slow_reader_never_leaves_an_older_version_in_the_cache(
    client_and_container: tuple[httpx.AsyncClient, Container], with_redis: bool
) -> None:
    client, container = client_and_container
    ticket = (await client.post("/v1/tickets", json=NEW)).json()
    l1: LocalCache[int, TicketView] = LocalCache(maxsize=100, ttl=300)
    l2 = None
    if with_redis:
        assert container.settings.redis_url is not None
        l2 = RedisTicketCache(Redis.from_url(container.settings.redis_url))
    gated = GatedReader(SqlAlchemyTicketReader(container.engine))
    cached = CachedTicketReader(gated, l1=l1, l2=l2, stats=CacheStats())
    invalidator = CacheInvalidator(l1=l1, l2=l2)

    slow_read = asyncio.create_task(cached.get(ticket["id"]))
    await gated.loaded.wait()  # the reader has version 1 in hand
    changed = await client.patch(f"/v1/tickets/{ticket['id']}", json={"title": "Renamed"})
    assert changed.json()["version"] == 2
    await invalidator.tickets_changed({ticket["id"]})  # what the writer's commit does
    gated.release.set()
    stale = await slow_read
    assert stale is not None
    assert stale.version == 1  # it may answer with what it read...

    gated.release = asyncio.Event()
    gated.release.set()
    fresh = await cached.get(ticket["id"])  # ...but must not have cached it
    assert fresh is not None
    assert (fresh.title, fresh.version) == ("Renamed", 2)
    if l2 is not None:
        await l2._client.aclose()


@pytest.mark.slow
async def test_redis_stopping_mid_traffic_costs_no_request_and_hits_come_back(
    client_and_container: tuple[httpx.AsyncClient, Container],
    throwaway_redis: ThrowawayServer,
    clock: FrozenClock,
) -> None:
    client, container = client_and_container
    stats = container.cache_stats
    ids = [(await client.post("/v1/tickets", json=NEW)).json()["id"] for _ in range(5)]
    statuses: list[int] = []

    async def traffic(rounds: int) -> None:
        for n in range(rounds):
            ticket_id = ids[n % len(ids)]
            statuses.append((await client.get(f"/v1/tickets/{ticket_id}")).status_code)
            if n % 7 == 0:
                response = await client.patch(
                    f"/v1/tickets/{ticket_id}", json={"priority": ["low", "high"][n % 2]}
                )
                statuses.append(response.status_code)

    await traffic(30)
    assert stats.hits("l1") > 0
    await asyncio.to_thread(throwaway_redis.stop)
    await traffic(60)  # Redis is gone: served from L1 and the database
    await asyncio.to_thread(throwaway_redis.start)
    clock.advance(seconds=2.5)  # the breaker's cool-down
    await traffic(10)
    assert all(status < 500 for status in statuses), statuses

    invalidator = container.cache_invalidator
    assert invalidator is not None
    for _ in range(2):  # a cold L1 (a restarted replica, say) fills Redis, then hits it
        hits_before = stats.hits("l2")
        invalidator.drop_everything()
        for ticket_id in ids:
            assert (await client.get(f"/v1/tickets/{ticket_id}")).status_code == 200
    assert stats.hits("l2") - hits_before == len(ids)


async def test_a_new_ticket_costs_no_invalidation_and_a_change_does(
    client_and_container: tuple[httpx.AsyncClient, Container],
) -> None:
    client, container = client_and_container
    assert container.settings.redis_url is not None
    redis = Redis.from_url(container.settings.redis_url)
    keys = CacheKeys(container.settings.namespace)
    try:
        ticket = (await client.post("/v1/tickets", json=NEW)).json()
        assert await redis.get(keys.generation(ticket["id"])) is None
        first = await client.get(f"/v1/tickets/{ticket['id']}")
        assert first.json()["version"] == 1
        await client.patch(f"/v1/tickets/{ticket['id']}", json={"title": "Renamed"})
        assert await redis.get(keys.generation(ticket["id"])) == b"1"
        second = await client.get(f"/v1/tickets/{ticket['id']}")
        assert second.json()["title"] == "Renamed"
    finally:
        await redis.aclose()
