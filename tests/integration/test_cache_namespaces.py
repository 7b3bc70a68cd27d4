"""Deployments sharing one Redis: each keeps to its own namespace (SPEC §11), and a cache
entry in another schema version's shape is never served."""

from __future__ import annotations

import shutil
from collections.abc import Awaitable, Callable
from pathlib import Path

import orjson
import pytest
from redis.asyncio import Redis

from tessera.infrastructure.cache.keys import SCHEMA_VERSION, CacheKeys
from tessera.infrastructure.cache.redis_cache import RedisTicketCache
from tests.integration.replicas import NEW, replica, replica_settings
from tests.servers import ThrowawayServer
from tests.support import as_text

pytestmark = [pytest.mark.redis]

EntryWriter = Callable[[Redis, int, bytes], Awaitable[None]]


def own_database(template: Path, folder: Path, name: str) -> str:
    path = folder / f"{name}.db"
    shutil.copy(template, path)
    return f"sqlite+aiosqlite:///{path}"


async def test_two_deployments_on_one_redis_never_see_each_others_data(
    sqlite_template: Path, tmp_path: Path, throwaway_redis: ThrowawayServer
) -> None:
    redis_url = f"redis://127.0.0.1:{throwaway_redis.port}/0"
    first = replica_settings(
        own_database(sqlite_template, tmp_path, "one"), redis_url, namespace="one"
    )
    second = replica_settings(
        own_database(sqlite_template, tmp_path, "two"), redis_url, namespace="two"
    )
    async with replica(first) as one, replica(second) as two:
        ticket = (await one.post("/v1/tickets", json={**NEW, "title": "First's"})).json()
        url = f"/v1/tickets/{ticket['id']}"
        for _ in range(3):  # in the first deployment's L1 and L2, and its rate-limit bucket
            read = await one.get(url)
        assert read.json()["title"] == "First's"
        issued = (await one.post("/v1/tokens", json={"name": "a", "role": "agent"})).json()

        missing = await two.get(url)
        assert missing.status_code == 404, missing.text
        assert (
            int(missing.headers["ratelimit-remaining"])
            == int(missing.headers["ratelimit-limit"]) - 1
        )  # a bucket of its own: the first deployment's reads were not counted here
        agent = {"Authorization": f"Bearer {issued['token']}"}
        assert (await two.get("/v1/tickets", headers=agent)).status_code == 401

        own = (await two.post("/v1/tickets", json={**NEW, "title": "Second's"})).json()
        assert own["id"] == ticket["id"]  # the same id in both databases
        assert (await two.get(url)).json()["title"] == "Second's"
        assert (await one.get(url)).json()["title"] == "First's"

        probe = Redis.from_url(redis_url)
        keys = [as_text(key) for key in await probe.keys("*")]
        channels = [as_text(channel) for channel in await probe.pubsub_channels()]
        await probe.aclose()
    assert keys and channels
    assert all(name.startswith(("one:", "two:")) for name in [*keys, *channels]), (
        keys,
        channels,
    )


async def legacy_entry(redis: Redis, ticket_id: int, payload: bytes) -> None:
    """What a replica without schema versions wrote: the view under ``tessera:ticket:<id>``."""
    await redis.set(f"tessera:ticket:{ticket_id}", payload)


async def other_version_entry(redis: Redis, ticket_id: int, payload: bytes) -> None:
    """What a replica one schema version ahead writes, through its own layout."""
    other = RedisTicketCache(redis, keys=CacheKeys("tessera", schema_version=SCHEMA_VERSION + 1))
    found = await other.lookup(ticket_id)
    assert found is not None
    await other.put_if(ticket_id, payload, found[1])
    assert await other.lookup(ticket_id) == (payload, found[1])  # it reads its own back


@pytest.mark.parametrize("write", [legacy_entry, other_version_entry], ids=["legacy", "next"])
async def test_a_cache_entry_of_another_schema_version_is_not_served(
    sqlite_template: Path, tmp_path: Path, throwaway_redis: ThrowawayServer, write: EntryWriter
) -> None:
    redis_url = f"redis://127.0.0.1:{throwaway_redis.port}/0"
    settings = replica_settings(own_database(sqlite_template, tmp_path, "db"), redis_url)
    probe = Redis.from_url(redis_url)
    async with replica(settings) as writer, replica(settings) as reader:
        ticket = (await writer.post("/v1/tickets", json=NEW)).json()
        assert (await writer.get(f"/v1/tickets/{ticket['id']}")).status_code == 200
        current = CacheKeys().ticket(ticket["id"])
        cached = await probe.get(current)  # this version's entry: "<stamp>|<view>"
        assert cached is not None
        view = orjson.loads(as_text(cached).partition("|")[2])
        await probe.delete(current)
        await write(probe, ticket["id"], orjson.dumps({**view, "title": "Another shape"}))

        for _ in range(2):  # the reader's L1 is empty: it looks in Redis first
            read = await reader.get(f"/v1/tickets/{ticket['id']}")
            assert read.status_code == 200, read.text
            assert read.json()["title"] == NEW["title"]
    await probe.aclose()
