"""A burst above the rate limit against real uvicorn: 429s with the right headers, no 5xx."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.e2e.conftest import ADMIN_SECRET
from tests.servers import TesseraProcess

LIMIT = 60

# The refill during the burst depends on wall-clock time: run alone, after the parallel run.
pytestmark = pytest.mark.timing


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    process = TesseraProcess(
        {
            "TESSERA_ENV": "development",
            "TESSERA_DATABASE_URL": f"sqlite:///{tmp_path / 'tessera.db'}",
            "TESSERA_BOOTSTRAP_ADMIN_TOKEN": ADMIN_SECRET,
            "TESSERA_RATE_LIMIT_READS_PER_MINUTE": str(LIMIT),
            "TESSERA_LOG_LEVEL": "WARNING",
        },
        tmp_path,
    )
    process.start()
    try:
        yield process.base_url
    finally:
        process.stop()


async def test_a_burst_over_the_limit_gets_429s_and_no_server_errors(server: str) -> None:
    headers = {"Authorization": f"Bearer {ADMIN_SECRET}"}
    limits = httpx.Limits(max_connections=20)
    started = time.monotonic()
    async with httpx.AsyncClient(base_url=server, headers=headers, limits=limits) as client:
        answers = await asyncio.gather(*(client.get("/v1/tickets") for _ in range(300)))
    assert time.monotonic() - started < 30

    statuses = [a.status_code for a in answers]
    assert not [s for s in statuses if s >= 500]
    ok, limited = statuses.count(200), statuses.count(429)
    assert ok + limited == len(statuses)
    assert LIMIT <= ok <= LIMIT + 5  # the burst, plus what refilled meanwhile
    assert limited >= 200
    for answer in answers:
        assert answer.headers["ratelimit-limit"] == str(LIMIT)
        assert int(answer.headers["ratelimit-remaining"]) >= 0
        if answer.status_code == 429:
            assert answer.json()["code"] == "rate_limited"
            assert int(answer.headers["retry-after"]) >= 1
            assert answer.headers["ratelimit-remaining"] == "0"
