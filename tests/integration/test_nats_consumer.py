"""The NATS consumer's own health reports: an idle consumer of a healthy server says nothing,
and one that cannot reach its server says why."""

from __future__ import annotations

import asyncio
import logging
import shutil
import socket
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from tessera.infrastructure.messaging.dispatcher import ConsumerDispatcher
from tessera.infrastructure.messaging.nats_jetstream import NatsConnection, NatsSubscription
from tessera.infrastructure.persistence.engine import create_engine
from tests.integration.event_harness import Recorder
from tests.servers import ThrowawayServer, nats_command

pytestmark = [pytest.mark.broker, pytest.mark.slow]  # each consumes for 6-7 s

GROUPS = ("audit", "exports", "mail", "webhooks")


class Captured(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


@contextmanager
def nats_log() -> Iterator[Captured]:
    """What the NATS adapter logs, straight from its logger (whatever else is configured)."""
    logger = logging.getLogger("tessera.events.nats")
    handler, level = Captured(), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


@pytest.fixture
async def sqlite_engine(sqlite_template: Path, tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    path = tmp_path / "tessera.db"
    await asyncio.to_thread(shutil.copy, sqlite_template, path)
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    yield engine
    await engine.dispose()


async def _consume_for(url: str, engine: AsyncEngine, *, seconds: float) -> None:
    connection = NatsConnection(url)
    dispatcher = ConsumerDispatcher(engine, [Recorder(group) for group in GROUPS])
    stop = asyncio.Event()
    loops = [
        asyncio.create_task(NatsSubscription(connection, dispatcher, group=group).run(stop))
        for group in GROUPS
    ]
    await asyncio.sleep(seconds)
    stop.set()
    await asyncio.wait_for(asyncio.gather(*loops), timeout=10)
    await connection.close()


async def test_an_idle_consumer_of_a_healthy_server_logs_no_outage(
    sqlite_engine: AsyncEngine, tmp_path: Path
) -> None:
    server = ThrowawayServer("nats-server", nats_command, tmp_path)
    await asyncio.to_thread(server.start)
    try:
        with nats_log() as log:
            await _consume_for(f"nats://127.0.0.1:{server.port}", sqlite_engine, seconds=6)
    finally:
        await asyncio.to_thread(server.stop)
    assert [line for line in log.lines if "unreachable" in line] == []


async def test_an_unreachable_server_is_logged_with_its_reason(
    sqlite_engine: AsyncEngine,
) -> None:
    # A port that accepts connections and never speaks NATS: the connection times out.
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(16)
        port = silent.getsockname()[1]
        with nats_log() as log:
            await _consume_for(f"nats://127.0.0.1:{port}", sqlite_engine, seconds=7)
    outages = [line for line in log.lines if line.startswith("NATS unreachable:")]
    assert outages, log.lines
    for line in outages:
        assert line.removeprefix("NATS unreachable:").strip(), f"no reason given: {line!r}"
