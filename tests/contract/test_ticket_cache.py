"""The cached TicketReader (L1 alone, and L1 in front of Redis) answers ``get`` like the
reader it wraps: a ticket's version seen through the cache never goes backwards, also when a
slow read that began before a write finishes after it."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass

import pytest

from tessera.application.queries import ListTickets
from tessera.application.views import TicketPage, TicketView
from tessera.domain.tickets.sla import SlaPolicy
from tessera.domain.tickets.ticket import TicketChanges
from tessera.domain.tickets.values import Title
from tessera.infrastructure.cache.local import LocalCache
from tessera.infrastructure.cache.redis_cache import RedisTicketCache
from tessera.infrastructure.cache.stats import CacheStats
from tessera.infrastructure.cache.tickets import CachedTicketReader, CacheInvalidator
from tessera.infrastructure.memory.readers import InMemoryTicketReader
from tessera.infrastructure.memory.store import MemoryStore
from tessera.infrastructure.memory.unit_of_work import InMemoryUnitOfWork
from tests.contract.conftest import SharedRedis
from tests.support import make_ticket

SLA = SlaPolicy()


class GatedReader(InMemoryTicketReader):
    """The database read: while ``gate`` is closed, a read takes its answer and then waits
    (a slow request) before handing it back."""

    def __init__(self, store: MemoryStore) -> None:
        super().__init__(store)
        self.gate = asyncio.Event()
        self.gate.set()
        self.waiting = asyncio.Event()

    async def get(self, ticket_id: int) -> TicketView | None:
        view = await super().get(ticket_id)
        self.waiting.set()
        await self.gate.wait()
        return view

    async def list(self, query: ListTickets) -> TicketPage:
        return await super().list(query)


@dataclass
class Replica:
    reader: CachedTicketReader
    invalidator: CacheInvalidator


@dataclass
class Cluster:
    store: MemoryStore
    database: GatedReader
    replica: Callable[[], Replica]  # one more replica: its own L1, the same L2 (if any)


@pytest.fixture(params=["l1", pytest.param("l1+redis", marks=pytest.mark.redis)])
def cluster(request: pytest.FixtureRequest) -> Cluster:
    store = MemoryStore()
    database = GatedReader(store)
    shared: SharedRedis | None = (
        request.getfixturevalue("shared_redis") if request.param == "l1+redis" else None
    )

    def replica() -> Replica:
        l1: LocalCache[int, TicketView] = LocalCache(maxsize=100, ttl=60)
        l2 = RedisTicketCache(shared.client, keys=shared.keys) if shared else None
        reader = CachedTicketReader(database, l1=l1, l2=l2, stats=CacheStats())
        return Replica(reader=reader, invalidator=CacheInvalidator(l1=l1, l2=l2))

    return Cluster(store=store, database=database, replica=replica)


async def add(cluster: Cluster) -> int:
    ticket = make_ticket()
    async with InMemoryUnitOfWork(cluster.store) as uow:
        await uow.tickets.add(ticket)
        await uow.commit()
    return ticket.id


async def rename(cluster: Cluster, replica: Replica, ticket_id: int, title: str) -> None:
    """A write as the use cases do it: commit, then invalidate."""
    async with InMemoryUnitOfWork(cluster.store) as uow:
        ticket = await uow.tickets.get(ticket_id)
        assert ticket is not None
        ticket.apply(TicketChanges(title=Title(title)), actor="a", now=ticket.created_at, sla=SLA)
        await uow.tickets.save(ticket)
        await uow.commit()
    await replica.invalidator.tickets_changed({ticket_id})


async def version(replica: Replica, ticket_id: int) -> int | None:
    view = await replica.reader.get(ticket_id)
    return view.version if view else None


async def test_a_write_is_read_back_after_its_invalidation(cluster: Cluster) -> None:
    one = cluster.replica()
    ticket_id = await add(cluster)
    assert await version(one, ticket_id) == 1
    assert await version(one, ticket_id) == 1  # now from the cache
    await rename(cluster, one, ticket_id, "Renamed")
    assert await version(one, ticket_id) == 2
    assert await version(cluster.replica(), ticket_id) == 2


async def test_a_missing_ticket_is_none_and_not_remembered(cluster: Cluster) -> None:
    one = cluster.replica()
    assert await one.reader.get(1) is None
    ticket_id = await add(cluster)
    assert ticket_id == 1
    assert await version(one, ticket_id) == 1


async def test_a_slow_read_from_before_a_write_never_brings_the_old_version_back(
    cluster: Cluster,
) -> None:
    one = cluster.replica()
    ticket_id = await add(cluster)
    cluster.database.gate.clear()
    cluster.database.waiting.clear()
    slow = asyncio.create_task(one.reader.get(ticket_id))
    await cluster.database.waiting.wait()  # it holds version 1 from the database
    await rename(cluster, one, ticket_id, "Renamed")  # before the slow read fills the cache
    cluster.database.gate.set()
    old = await slow
    assert old is not None
    assert old.version == 1  # its own answer was right when it was read
    assert await version(one, ticket_id) == 2
    assert await version(cluster.replica(), ticket_id) == 2  # nor in the shared cache
