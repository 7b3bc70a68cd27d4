"""Idle live streams cost the database nothing: 200 open `/v1/events/stream` answers against a
real server on PostgreSQL, the reads of the event log counted by PostgreSQL itself.

Each stream used to read the log twice every 0.25 s (200 streams: some 1,600 reads a
second); one follower per process now reads it for all of them, woken by NOTIFY.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import httpx
import pytest

from tessera.infrastructure.live.notify import asyncpg_dsn
from tests.e2e.conftest import ADMIN_SECRET
from tests.servers import TesseraProcess

pytestmark = [pytest.mark.postgres, pytest.mark.slow, pytest.mark.timing]

STREAMS = 200
WINDOW = 6.0  # seconds
# An idle backend reports its table statistics within 10 s (PGSTAT_IDLE_INTERVAL): a window
# starts that long after the last burst of reads, so none of the burst is counted in it.
SETTLE = 11.0
AUTH = {"Authorization": f"Bearer {ADMIN_SECRET}"}


@pytest.fixture
def server(postgres_url: str, tmp_path: Path) -> Iterator[str]:
    process = TesseraProcess(
        {
            "TESSERA_ENV": "development",
            "TESSERA_DATABASE_URL": postgres_url,
            "TESSERA_BOOTSTRAP_ADMIN_TOKEN": ADMIN_SECRET,
            "TESSERA_LOG_LEVEL": "WARNING",
        },
        tmp_path,
    )
    process.start()
    try:
        yield process.base_url
    finally:
        process.stop()


async def _outbox_reads(database: asyncpg.Connection) -> int:
    """Scans of the outbox (the event log's table) so far, as PostgreSQL counts them."""
    await database.execute("SELECT pg_stat_clear_snapshot()")
    reads = await database.fetchval(
        "SELECT seq_scan + coalesce(idx_scan, 0) FROM pg_stat_user_tables WHERE relname = 'outbox'"
    )
    return int(reads)


async def _reads_per_second(database: asyncpg.Connection) -> float:
    await asyncio.sleep(SETTLE)  # see SETTLE: statistics, not an event, are awaited
    before, started = await _outbox_reads(database), time.monotonic()
    await asyncio.sleep(WINDOW)  # the measured window: nothing happens in it, on purpose
    return (await _outbox_reads(database) - before) / (time.monotonic() - started)


async def _open(client: httpx.AsyncClient, opened: asyncio.Event) -> AsyncIterator[str]:
    async with client.stream("GET", "/v1/events/stream") as stream:
        assert stream.status_code == 200
        lines = stream.aiter_lines()
        assert await anext(lines) == "retry: 1000"
        opened.set()
        async for line in lines:
            yield line


async def _first_event(client: httpx.AsyncClient, opened: asyncio.Event) -> dict[str, str]:
    message: dict[str, str] = {}
    async for line in _open(client, opened):
        if not line:
            if "data" in message:
                return message
            message = {}
            continue
        field, _, value = line.partition(": ")
        message[field] = value
    raise AssertionError("the stream ended")


async def test_200_idle_streams_cost_the_database_o1_reads_and_all_get_a_new_event(
    server: str, postgres_url: str
) -> None:
    database = await asyncpg.connect(asyncpg_dsn(postgres_url))
    limits = httpx.Limits(max_connections=STREAMS + 10, max_keepalive_connections=STREAMS + 10)
    timeout = httpx.Timeout(30.0)
    try:
        async with httpx.AsyncClient(
            base_url=server, headers=AUTH, limits=limits, timeout=timeout
        ) as client:
            # One stream first: the follower starts; the server's own loops (the relay, the
            # gauges) read the outbox too, and are measured without further streams.
            first_open = asyncio.Event()
            first = asyncio.ensure_future(_first_event(client, first_open))
            async with asyncio.timeout(30):
                await first_open.wait()
            baseline = await _reads_per_second(database)

            opened = [asyncio.Event() for _ in range(STREAMS - 1)]
            others = [asyncio.ensure_future(_first_event(client, o)) for o in opened]
            async with asyncio.timeout(60):
                await asyncio.gather(*(o.wait() for o in opened))
            with_streams = await _reads_per_second(database)

            created = await client.post(
                "/v1/tickets",
                json={
                    "title": "Seen by everyone",
                    "description": "Two hundred streams get this.",
                    "customer_email": "ada@example.com",
                },
            )
            written = time.monotonic()
            assert created.status_code == 201
            async with asyncio.timeout(10):
                messages = await asyncio.gather(first, *others)
            latency = time.monotonic() - written
    finally:
        await database.close()

    assert len(messages) == STREAMS
    subjects = {json.loads(m["data"])["subject"] for m in messages}
    assert subjects == {str(created.json()["id"])}
    assert {m["event"] for m in messages} == {"ticket.created"}
    assert len({m["id"] for m in messages}) == 1  # the same position for every stream
    # O(1): 199 more streams add (almost) nothing; before, each added 8 reads a second.
    assert with_streams < 10, f"{with_streams:.1f} outbox reads/s with {STREAMS} streams"
    assert with_streams - baseline < 2, f"{baseline:.1f} -> {with_streams:.1f} reads/s"
    assert latency < 3.0, f"the last stream got the event after {latency:.2f} s"
