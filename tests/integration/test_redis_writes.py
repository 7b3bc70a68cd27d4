"""Redis clients write without a task per command and still give up on a write that hangs."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest
from redis.asyncio import Redis
from redis.asyncio.connection import Connection
from redis.exceptions import TimeoutError as RedisTimeoutError

from tessera.bootstrap.overrides import open_redis
from tessera.infrastructure.cache.connection import TimedWritesConnection, connection_class
from tests.servers import ThrowawayServer

pytestmark = pytest.mark.redis


def test_plain_tcp_gets_the_timed_writes_and_tls_and_sockets_keep_their_own() -> None:
    assert connection_class("redis://127.0.0.1:6379/0") is TimedWritesConnection
    assert connection_class("rediss://example.com:6380/0") is None
    assert connection_class("unix:///run/redis.sock") is None
    client = open_redis("redis://127.0.0.1:6379/0", socket_timeout=0.5, socket_connect_timeout=0.5)
    assert client.connection_pool.connection_class is TimedWritesConnection
    tls = open_redis("rediss://127.0.0.1:6380/0", socket_timeout=0.5, socket_connect_timeout=0.5)
    assert tls.connection_pool.connection_class is not TimedWritesConnection
    assert issubclass(tls.connection_pool.connection_class, Connection)


async def test_commands_go_through_and_a_hanging_write_times_out(
    throwaway_redis: ThrowawayServer,
) -> None:
    url = f"redis://127.0.0.1:{throwaway_redis.port}/0"
    client: Redis = open_redis(url, socket_timeout=0.5, socket_connect_timeout=0.5)
    try:
        await client.set("k", b"v")
        assert await client.get("k") == b"v"
        async with client.pipeline(transaction=True) as pipe:
            pipe.incr("n")
            pipe.incr("n")
            assert await pipe.execute() == [1, 2]
        throwaway_redis.pause()  # reads nothing: the socket's buffers fill and the write hangs
        started = time.monotonic()
        with pytest.raises(RedisTimeoutError):
            await client.set("big", b"x" * 64 * 1024 * 1024)
        assert time.monotonic() - started < 5
        throwaway_redis.resume()
        assert await client.get("k") == b"v"  # a new connection: the broken one was closed
    finally:
        throwaway_redis.resume()
        await client.aclose()


async def test_a_command_creates_no_task(throwaway_redis: ThrowawayServer) -> None:
    url = f"redis://127.0.0.1:{throwaway_redis.port}/0"
    client: Redis = open_redis(url, socket_timeout=0.5, socket_connect_timeout=0.5)
    loop = asyncio.get_running_loop()
    created: list[object] = []

    def counting(loop: asyncio.AbstractEventLoop, coro: Any, **kwargs: Any) -> asyncio.Task[Any]:
        created.append(coro)
        return asyncio.Task(coro, loop=loop, **kwargs)

    try:
        await client.ping()  # connected
        loop.set_task_factory(counting)
        for _ in range(20):
            await client.get("k")
        assert created == []  # redis-py's wait_for would have made one per command
    finally:
        loop.set_task_factory(None)
        await client.aclose()
