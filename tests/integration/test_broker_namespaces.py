"""Two deployments with their own databases and namespaces on one broker (Redis Streams, NATS
JetStream): each handles exactly its own events, and the broker's names carry the namespace."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import nats
import pytest
from redis.asyncio import Redis

from tessera.infrastructure.persistence.engine import create_engine
from tests.integration.event_harness import (
    Worker,
    eventually,
    insert_synthetic_events,
    worker_settings,
)
from tests.servers import BROKERS, broker_server
from tests.support import as_text

pytestmark = [pytest.mark.broker, pytest.mark.slow]


@pytest.fixture(params=BROKERS)
async def broker_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    server, url = broker_server(request.param, tmp_path)
    await asyncio.to_thread(server.start)
    try:
        yield url
    finally:
        await asyncio.to_thread(server.stop)


def _database(template: Path, path: Path) -> str:
    shutil.copy(template, path)
    return f"sqlite+aiosqlite:///{path}"


async def _broker_names(broker_url: str) -> set[str]:
    """Every stream, group, subject and durable consumer name the broker holds."""
    if broker_url.startswith("redis://"):
        client = Redis.from_url(broker_url)
        try:
            streams = {as_text(key) for key in await client.keys("*")}
            groups = {
                group["name"].decode()
                for stream in streams
                for group in await client.xinfo_groups(stream)
            }
        finally:
            await client.aclose()
        return streams | groups
    connection = await nats.connect(broker_url)
    try:
        js = connection.jetstream()
        names: set[str] = set()
        for stream in await js.streams_info():
            stream_name = stream.config.name
            assert stream_name is not None  # the server names every stream it reports
            names.add(stream_name)
            names.update(stream.config.subjects or [])
            names.update(c.name for c in await js.consumers_info(stream_name))
    finally:
        await connection.close()
    return names


@pytest.mark.timeout(180)
async def test_two_namespaces_on_one_broker_each_receive_only_their_own_events(
    broker_url: str, sqlite_template: Path, tmp_path: Path
) -> None:
    databases = {
        name: _database(sqlite_template, tmp_path / f"{name}.db") for name in ("blue", "green")
    }
    expected: dict[str, set[str]] = {}
    for name, url in databases.items():
        engine = create_engine(url)
        expected[name] = await insert_synthetic_events(engine, tickets=5, per_ticket=2)
        await engine.dispose()
    blue = Worker(worker_settings(databases["blue"], broker_url, namespace="blue"), ("audit",))
    green = Worker(worker_settings(databases["green"], broker_url, namespace="green"), ("audit",))
    async with blue, green:
        seen = {"blue": blue.recorders["audit"].seen, "green": green.recorders["audit"].seen}
        await eventually(
            lambda: sum(len(events) for events in seen.values()) >= 20,
            within=90,
            what="both deployments' events",
        )
        await asyncio.sleep(1.0)  # a stray delivery would show up now
        names = await _broker_names(broker_url)

    for name in ("blue", "green"):
        handled = [event.id for event in seen[name]]
        assert sorted(handled) == sorted(expected[name]), f"{name} handled another's events"
    assert names, "the broker holds no names"
    strays = {n for n in names if not n.lower().startswith(("blue", "green"))}
    assert strays == set(), f"names without a namespace: {strays}"
