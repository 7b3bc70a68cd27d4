"""End to end through a real uvicorn process on the embedded default (SQLite)."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from tests.e2e.conftest import ADMIN_SECRET
from tests.openapi_check import CHECKED, CHECKED_SYNC
from tests.servers import TesseraProcess

pytestmark = pytest.mark.slow  # each test starts a real server


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    process = TesseraProcess(
        {
            "TESSERA_ENV": "development",
            "TESSERA_DATABASE_URL": f"sqlite:///{tmp_path / 'tessera.db'}",
            "TESSERA_BOOTSTRAP_ADMIN_TOKEN": ADMIN_SECRET,
        },
        tmp_path,
    )
    process.start()
    try:
        yield process.base_url
    finally:
        process.stop()
    assert ADMIN_SECRET not in process.output  # supplied by the operator: never printed


def test_a_ticket_is_created_and_read_over_real_http(server: str) -> None:
    headers = {"Authorization": f"Bearer {ADMIN_SECRET}"}
    with httpx.Client(base_url=server, headers=headers, event_hooks=CHECKED_SYNC) as client:
        created = client.post(
            "/v1/tickets",
            json={
                "title": "Over the wire",
                "description": "Created through uvicorn.",
                "customer_email": "ada@example.com",
            },
        )
        assert created.status_code == 201
        read = client.get(created.headers["location"])
        assert read.status_code == 200
        assert read.json()["title"] == "Over the wire"
        assert client.get("/openapi.json").json()["info"]["title"] == "Tessera"


@pytest.mark.timing
async def test_the_live_stream_delivers_an_event_within_a_second_of_the_write(
    server: str,
) -> None:
    headers = {"Authorization": f"Bearer {ADMIN_SECRET}"}
    ticket = {
        "title": "Watch this",
        "description": "Streamed as it happens.",
        "customer_email": "ada@example.com",
    }
    async with (
        httpx.AsyncClient(
            base_url=server, headers=headers, timeout=10, event_hooks=CHECKED
        ) as client,
        client.stream("GET", "/v1/events/stream") as stream,
    ):
        assert stream.status_code == 200
        assert stream.headers["content-type"].startswith("text/event-stream")
        lines = stream.aiter_lines()
        assert await anext(lines) == "retry: 1000"  # the stream is open and live

        async def next_message() -> dict[str, str]:
            message: dict[str, str] = {}
            async for line in lines:
                if not line:  # a blank line ends a message
                    if message:
                        return message
                    continue
                field, _, value = line.partition(": ")
                message[field] = value
            raise AssertionError("the stream ended")

        reading = asyncio.create_task(next_message())
        created = await client.post("/v1/tickets", json=ticket)
        written = time.monotonic()
        assert created.status_code == 201
        message = await asyncio.wait_for(reading, timeout=1.0)
        latency = time.monotonic() - written

    event = json.loads(message["data"])
    assert message["event"] == event["type"] == "ticket.created"
    assert event["subject"] == str(created.json()["id"])
    assert (event["sequence"], event["source"]) == ("0000000001", "/tessera")
    assert latency < 1.0

    # Resuming with Last-Event-ID replays what came after that position.
    resume = {**headers, "Last-Event-ID": str(int(message["id"]) - 1)}
    async with (
        httpx.AsyncClient(
            base_url=server, headers=resume, timeout=10, event_hooks=CHECKED
        ) as client,
        client.stream("GET", "/v1/events/stream") as stream,
    ):
        replayed = [line async for line in _first_data_line(stream.aiter_lines())]
    assert json.loads(replayed[0])["id"] == event["id"]


async def _first_data_line(lines: AsyncIterator[str]) -> AsyncIterator[str]:
    async for line in lines:
        if line.startswith("data: "):
            yield line.removeprefix("data: ")
            return
