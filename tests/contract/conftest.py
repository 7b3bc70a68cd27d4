"""One suite per port, run against every adapter: memory, SQLite and PostgreSQL; in process
and Redis; in process, Redis Streams and NATS JetStream."""

from __future__ import annotations

import os
import shutil
import socket
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from redis.asyncio import Redis
from redis.exceptions import RedisError
from sqlalchemy.ext.asyncio import AsyncEngine

from tessera.application.events.cloudevents import CloudEvent
from tessera.application.ports.events import EventLog
from tessera.application.ports.tickets import TicketReader
from tessera.application.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from tessera.application.ports.webhooks import WebhookStore
from tessera.infrastructure.cache.keys import CacheKeys
from tessera.infrastructure.memory.event_log import InMemoryEventLog
from tessera.infrastructure.memory.readers import InMemoryTicketReader
from tessera.infrastructure.memory.store import MemoryStore
from tessera.infrastructure.memory.unit_of_work import InMemoryUnitOfWork
from tessera.infrastructure.memory.webhooks import InMemoryWebhookStore
from tessera.infrastructure.messaging.relay import OutboxRelay
from tessera.infrastructure.persistence.engine import create_engine
from tessera.infrastructure.persistence.event_log import SqlAlchemyEventLog
from tessera.infrastructure.persistence.readers import SqlAlchemyTicketReader
from tessera.infrastructure.persistence.unit_of_work import SqlAlchemyUnitOfWork
from tessera.infrastructure.webhooks.store import SqlAlchemyWebhookStore
from tests.support import service_missing


async def _nothing_to_sequence() -> None:
    """The in-memory store appends events to its log as they commit."""


class _NoBroker:
    async def publish(self, events: list[CloudEvent]) -> None:
        raise AssertionError("the contract suites only sequence the outbox")


@dataclass
class Adapters:
    uow: UnitOfWorkFactory
    reader: TicketReader
    event_log: EventLog
    webhooks: WebhookStore
    # Gives committed events their feed position (the relay's first step on SQL).
    sequence: Callable[[], Awaitable[None]] = _nothing_to_sequence
    engine: AsyncEngine | None = None  # the SQL adapters' database, for seeding rows


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend_url(request: pytest.FixtureRequest) -> str | None:
    """None for the in-memory adapters, else an empty migrated database."""
    if request.param == "memory":
        return None
    url: str = request.getfixturevalue(
        "postgres_url" if request.param == "postgres" else "sqlite_url"
    )
    return url


@pytest.fixture
async def adapters(backend_url: str | None) -> AsyncIterator[Adapters]:
    if backend_url is None:
        store = MemoryStore()

        def memory_uow() -> UnitOfWork:
            return InMemoryUnitOfWork(store)

        yield Adapters(
            uow=memory_uow,
            reader=InMemoryTicketReader(store),
            event_log=InMemoryEventLog(store),
            webhooks=InMemoryWebhookStore(),
        )
        return
    engine = create_engine(backend_url)
    relay = OutboxRelay(engine, _NoBroker())

    def sql_uow() -> UnitOfWork:
        return SqlAlchemyUnitOfWork(engine)

    async def sequence() -> None:
        await relay.sequence()

    yield Adapters(
        uow=sql_uow,
        reader=SqlAlchemyTicketReader(engine),
        event_log=SqlAlchemyEventLog(engine),
        webhooks=SqlAlchemyWebhookStore(engine),
        sequence=sequence,
        engine=engine,
    )
    await engine.dispose()


@pytest.fixture
def sqlite_url(sqlite_template: Path, tmp_path: Path) -> str:
    path = tmp_path / "contract.db"
    shutil.copy(sqlite_template, path)
    return f"sqlite+aiosqlite:///{path}"


REDIS_URL = os.environ.get("TESSERA_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@dataclass
class SharedRedis:
    """The test Redis with a namespace of this test's own (removed afterwards)."""

    client: Redis
    keys: CacheKeys


@pytest.fixture
async def shared_redis() -> AsyncIterator[SharedRedis]:
    client = Redis.from_url(REDIS_URL)
    try:
        await client.ping()
    except RedisError as error:
        await client.aclose()
        service_missing("Redis", f"{type(error).__name__}: {error}")
    namespace = f"contract-{uuid.uuid4().hex}"
    try:
        yield SharedRedis(client=client, keys=CacheKeys(namespace=namespace))
    finally:
        stale = [key async for key in client.scan_iter(match=f"{namespace}:*")]
        if stale:
            await client.delete(*stale)
        await client.aclose()


def closed_port() -> int:
    """A loopback port nothing listens on (the OS just handed it out and took it back)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def unreachable_database_url() -> str:
    """PostgreSQL on a port nothing listens on (SQLite has no server to lose)."""
    return f"postgresql+asyncpg://postgres@127.0.0.1:{closed_port()}/test"
