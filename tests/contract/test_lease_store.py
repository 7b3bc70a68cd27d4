"""LeaseStore contract (SQLite and PostgreSQL): one holder at a time until the lease expires;
the holder renews it; a release by the holder frees it at once, by anyone else not at all."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from tessera.application.errors import ServiceUnavailableError
from tessera.application.ports.leases import LeaseStore
from tessera.infrastructure.persistence.engine import create_engine
from tessera.infrastructure.persistence.leases import SqlAlchemyLeaseStore
from tests.contract.conftest import unreachable_database_url

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
TTL = timedelta(seconds=30)


def store(engine: AsyncEngine) -> LeaseStore:
    return SqlAlchemyLeaseStore(engine)


async def test_one_holder_at_a_time_until_the_lease_expires(engine: AsyncEngine) -> None:
    leases = store(engine)
    assert await leases.acquire("sla", holder="a", now=NOW, ttl=TTL)
    assert not await leases.acquire("sla", holder="b", now=NOW + TTL / 2, ttl=TTL)
    assert await leases.acquire("retention", holder="b", now=NOW, ttl=TTL)  # another name
    assert await leases.acquire("sla", holder="b", now=NOW + TTL, ttl=TTL)  # expired
    assert not await leases.acquire("sla", holder="a", now=NOW + TTL, ttl=TTL)


async def test_the_holder_renews_its_lease(engine: AsyncEngine) -> None:
    leases = store(engine)
    assert await leases.acquire("sla", holder="a", now=NOW, ttl=TTL)
    assert await leases.acquire("sla", holder="a", now=NOW + TTL / 2, ttl=TTL)
    # Renewed until NOW + 1.5 TTL: still held after the first lease would have ended.
    assert not await leases.acquire("sla", holder="b", now=NOW + TTL, ttl=TTL)
    assert await leases.acquire("sla", holder="b", now=NOW + TTL * 1.5, ttl=TTL)


async def test_only_the_holder_releases(engine: AsyncEngine) -> None:
    leases = store(engine)
    assert await leases.acquire("sla", holder="a", now=NOW, ttl=TTL)
    await leases.release("sla", holder="b")
    assert not await leases.acquire("sla", holder="b", now=NOW, ttl=TTL)
    await leases.release("sla", holder="a")
    assert await leases.acquire("sla", holder="b", now=NOW, ttl=TTL)
    await leases.release("never-taken", holder="a")  # a no-op


async def test_of_many_takers_at_once_exactly_one_wins(engine: AsyncEngine) -> None:
    leases = store(engine)
    won = await asyncio.gather(
        *(leases.acquire("sla", holder=f"w{n}", now=NOW, ttl=TTL) for n in range(5))
    )
    assert sum(won) == 1
    # And of many takers of an expired lease.
    won = await asyncio.gather(
        *(leases.acquire("sla", holder=f"x{n}", now=NOW + TTL, ttl=TTL) for n in range(5))
    )
    assert sum(won) == 1


async def test_an_unreachable_store_is_unavailable() -> None:
    down = create_engine(unreachable_database_url())
    try:
        with pytest.raises(ServiceUnavailableError):
            await store(down).acquire("sla", holder="a", now=NOW, ttl=TTL)
    finally:
        await down.dispose()
