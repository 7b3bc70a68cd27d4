"""Redis commands of one turn of the event loop go out as one pipeline (the L2 cache's
lookups and fills), each caller getting its own answer or its own error."""

from __future__ import annotations

import asyncio

import pytest
from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ResponseError

from tessera.infrastructure.cache.pipelining import Command, CommandBatches
from tests.servers import ThrowawayServer

pytestmark = pytest.mark.redis


def _get(key: str) -> Command:
    return lambda pipe: pipe.get(key)


async def _stats(client: Redis) -> dict[str, int]:
    """Commands the server has run, by name (pipelines count each command, not the trip)."""
    info = await client.info("commandstats")
    return {name.removeprefix("cmdstat_"): int(value["calls"]) for name, value in info.items()}


async def test_commands_of_one_turn_share_one_round_trip(throwaway_redis: ThrowawayServer) -> None:
    client = Redis(port=throwaway_redis.port)
    batches = CommandBatches(client)
    try:
        await client.mset({f"k{n}": f"v{n}" for n in range(20)})
        await client.config_resetstat()
        answers = await asyncio.gather(*(batches.run(_get(f"k{n}")) for n in range(20)))
        assert answers == [f"v{n}".encode() for n in range(20)]
        # 20 GETs, and one connection for all of them: the client's pool opened no second
        # connection, as it would for twenty commands in flight at once.
        stats = await _stats(client)
        assert stats["get"] == 20
        assert len(client.connection_pool._available_connections) == 1
        assert client.connection_pool._in_use_connections == set()
    finally:
        await client.aclose()


async def test_commands_of_later_turns_go_in_later_batches(
    throwaway_redis: ThrowawayServer,
) -> None:
    client = Redis(port=throwaway_redis.port)
    batches = CommandBatches(client)
    try:
        await client.set("k", "1")
        assert await batches.run(lambda pipe: pipe.get("k")) == b"1"
        assert await batches.run(lambda pipe: pipe.incr("k")) == 2
        assert await batches.run(lambda pipe: pipe.get("k")) == b"2"
    finally:
        await client.aclose()


async def test_a_failed_command_fails_only_its_caller(throwaway_redis: ThrowawayServer) -> None:
    client = Redis(port=throwaway_redis.port)
    batches = CommandBatches(client)
    try:
        await client.set("text", "not a number")
        await client.set("n", "1")
        answers: list[object] = await asyncio.gather(
            batches.run(lambda pipe: pipe.incr("text")),
            batches.run(lambda pipe: pipe.incr("n")),
            return_exceptions=True,
        )
        bad, good = answers
        assert isinstance(bad, ResponseError)
        assert good == 2
    finally:
        await client.aclose()


async def test_a_batch_that_cannot_be_sent_fails_every_caller(
    throwaway_redis: ThrowawayServer,
) -> None:
    client = Redis(port=throwaway_redis.port, socket_connect_timeout=0.5)
    batches = CommandBatches(client)
    throwaway_redis.stop()
    try:
        answers = await asyncio.gather(
            *(batches.run(lambda pipe: pipe.get("k")) for _ in range(3)), return_exceptions=True
        )
        assert all(isinstance(answer, RedisConnectionError) for answer in answers), answers
        throwaway_redis.start()  # and the next batch goes through again
        assert await batches.run(lambda pipe: pipe.get("k")) is None
    finally:
        await client.aclose()


async def test_a_caller_that_went_away_leaves_the_others_their_answers(
    throwaway_redis: ThrowawayServer,
) -> None:
    client = Redis(port=throwaway_redis.port)
    batches = CommandBatches(client)
    try:
        await client.set("k", "v")
        gone = asyncio.ensure_future(batches.run(lambda pipe: pipe.get("k")))
        kept = asyncio.ensure_future(batches.run(lambda pipe: pipe.get("k")))
        await asyncio.sleep(0)  # both queued in this turn
        gone.cancel()
        assert await kept == b"v"
        assert gone.cancelled()
    finally:
        await client.aclose()
