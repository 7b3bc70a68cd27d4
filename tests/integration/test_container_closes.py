"""Shutdown closes every client the container opened: each Redis client, the broker, the engine."""

from __future__ import annotations

import asyncio
from typing import cast

import pytest
from redis.asyncio import Redis
from sqlalchemy import event
from sqlalchemy.engine import Engine

from tessera.bootstrap.container import Overrides, build_container
from tessera.bootstrap.events import EventTransport
from tessera.bootstrap.settings import DatabaseSettings, Environment, Settings
from tessera.infrastructure.messaging.nats_jetstream import NatsConnection
from tests.servers import ThrowawayServer

NATS_URL = "nats://127.0.0.1:4222"


class CountedRedis(Redis):
    """A Redis client that counts its ``aclose`` calls."""

    closes = 0

    async def aclose(self, close_connection_pool: bool | None = None) -> None:
        self.closes += 1
        await super().aclose(close_connection_pool)


class CountingOpener:
    def __init__(self) -> None:
        self.clients: list[CountedRedis] = []

    def __call__(self, url: str, *, socket_timeout: float, socket_connect_timeout: float) -> Redis:
        client = cast(
            CountedRedis,
            CountedRedis.from_url(
                url, socket_timeout=socket_timeout, socket_connect_timeout=socket_connect_timeout
            ),
        )
        self.clients.append(client)
        return client


async def _server_clients(checker: Redis, *, expected: int) -> int:
    """The clients Redis sees besides ``checker``, once a closed socket has reached it."""
    count = len(await checker.client_list()) - 1
    for _ in range(50):
        if count == expected:
            break
        await asyncio.sleep(0.1)
        count = len(await checker.client_list()) - 1
    return count


async def _open_broker(transport: EventTransport) -> NatsConnection | None:
    """Connects the broker client now (it is lazy); the NATS connection, for the check."""
    await transport.publisher.publish([])
    owner = getattr(transport.close, "__self__", None)
    return owner if isinstance(owner, NatsConnection) else None


@pytest.mark.redis
@pytest.mark.broker
@pytest.mark.parametrize("broker", ["redis", "nats"])
async def test_close_closes_every_client_it_opened(
    broker: str, database_url: str, throwaway_redis: ThrowawayServer
) -> None:
    redis_url = f"redis://127.0.0.1:{throwaway_redis.port}/0"
    settings = Settings(
        env=Environment.TEST,
        namespace="closecount",
        database=DatabaseSettings(url=database_url),
        redis_url=redis_url,
        broker_url=redis_url if broker == "redis" else NATS_URL,
    )
    opener = CountingOpener()
    container = build_container(settings, overrides=Overrides(open_redis=opener))
    disposed: list[Engine] = []
    event.listen(container.engine.sync_engine, "engine_disposed", disposed.append)
    checker = Redis.from_url(redis_url)
    try:
        await container.start()
        nats = await _open_broker(container.transport)
        for client in opener.clients:
            assert await client.ping()
        # The L2 cache, the invalidation listener, the rate limiter and the presence board;
        # the broker's too.
        assert len(opener.clients) == (5 if broker == "redis" else 4)
        assert await _server_clients(checker, expected=len(opener.clients)) == len(opener.clients)
        assert (nats is not None and nats.is_open) == (broker == "nats")

        await container.close()

        assert [client.closes for client in opener.clients] == [1] * len(opener.clients)
        assert await _server_clients(checker, expected=0) == 0
        assert len(disposed) == 1
        assert nats is None or not nats.is_open
    finally:
        await checker.aclose()
