"""A production server started before `tessera db upgrade` (SPEC §7, §11): 503
``schema_out_of_date`` on every API route until then, and whole by itself once upgraded:
the bootstrap admin token, the cache invalidation subscriber and the relay all start."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import ADMIN_SECRET
from tests.openapi_check import CHECKED_SYNC
from tests.servers import TesseraProcess, ThrowawayServer, redis_command, wait_until
from tests.support import recreate_postgres_database, worker_database_url

# Three `tessera` processes start one after another: generous bounds for a busy machine.
pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow, pytest.mark.timeout(600)]
START = 120.0

AUTH = {"Authorization": f"Bearer {ADMIN_SECRET}"}
NEW = {
    "title": "Before and after",
    "description": "Made once upgraded.",
    "customer_email": "a@b.io",
}


@pytest.fixture
def fresh_postgres_url(postgres_database: str, worker_id_name: str) -> str:
    """A database of its own with no schema at all (`tessera db upgrade` has never run)."""
    url = worker_database_url(f"{worker_id_name}_gate")
    asyncio.run(recreate_postgres_database(url))
    return url


@pytest.fixture
def production_env(fresh_postgres_url: str, tmp_path: Path) -> Iterator[dict[str, str]]:
    redis = ThrowawayServer("redis-server", redis_command, tmp_path)
    redis.start()
    try:
        yield {
            "TESSERA_ENV": "production",
            "TESSERA_DATABASE_URL": fresh_postgres_url,
            "TESSERA_REDIS_URL": f"redis://127.0.0.1:{redis.port}/0",
            "TESSERA_BOOTSTRAP_ADMIN_TOKEN": ADMIN_SECRET,
            "TESSERA_DATABASE_SCHEMA_POLL_SECONDS": "0.2",
            "TESSERA_LOG_LEVEL": "WARNING",
        }
    finally:
        redis.stop()


def eventually(condition: Callable[[], bool], what: str) -> None:
    wait_until(condition, timeout=60, what=what)


def db_upgrade(env: dict[str, str], workdir: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "tessera.bootstrap.cli", "db", "upgrade"],
        env={**os.environ, **env},
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def title_on(client: httpx.Client, base: str, ticket_id: int) -> Any:
    return client.get(f"{base}/v1/tickets/{ticket_id}").json()["title"]


def test_before_the_upgrade_every_api_route_answers_503_schema_out_of_date(
    production_env: dict[str, str], tmp_path: Path
) -> None:
    server = TesseraProcess(production_env, tmp_path)
    server.start(until="/livez", timeout=START)
    try:
        with httpx.Client(
            base_url=server.base_url, headers=AUTH, timeout=30, event_hooks=CHECKED_SYNC
        ) as client:
            answers = [
                client.get("/v1/tickets"),
                client.get("/v1/tickets/1"),
                client.post("/v1/tickets", json=NEW, headers={"Idempotency-Key": "k-1"}),
                client.get("/v1/events"),
                client.get("/v1/tokens"),
                client.get("/v1/tickets", headers={"Authorization": "Bearer tsr_unknown"}),
            ]
            live = client.get("/livez")
            ready = client.get("/readyz")
    finally:
        server.stop()
    for answer in answers:
        assert answer.status_code == 503, answer.text
        body = answer.json()
        assert set(body) == {"error", "code", "details", "request_id"}
        assert body["code"] == "schema_out_of_date"
        assert answer.headers["retry-after"].isdigit()
        assert body["request_id"] == answer.headers["x-request-id"]
    assert live.status_code == 200
    assert ready.status_code == 503
    assert ready.json()["checks"]["database"]["code"] == "schema_out_of_date"


def test_a_server_started_before_the_upgrade_becomes_whole_by_itself(
    production_env: dict[str, str], tmp_path: Path
) -> None:
    first = TesseraProcess(production_env, tmp_path)
    first.start(until="/livez", timeout=START)
    second = TesseraProcess(production_env, tmp_path)
    try:
        with httpx.Client(headers=AUTH, timeout=30, event_hooks=CHECKED_SYNC) as client:
            assert client.get(f"{first.base_url}/v1/tickets").status_code == 503

            db_upgrade(production_env, tmp_path)
            eventually(
                lambda: client.get(f"{first.base_url}/readyz").status_code == 200,
                "the server to become ready after the upgrade",
            )
            # The bootstrap admin token was created once the schema reached head.
            assert client.get(f"{first.base_url}/v1/tickets").status_code == 200
            created = client.post(f"{first.base_url}/v1/tickets", json=NEW)
            assert created.status_code == 201, created.text
            ticket_id = created.json()["id"]

            # The relay runs: the new ticket's event gets its place in the changes feed.
            def in_feed() -> bool:
                feed = client.get(f"{first.base_url}/v1/events").json()["data"]
                return any(e["subject"] == str(ticket_id) for e in feed)

            eventually(in_feed, "the relay to put the ticket.created event in the feed")

            # The invalidation subscriber runs: a change through another replica reaches
            # this one's L1, which holds the ticket (its L1 TTL is 5 minutes).
            for _ in range(2):
                assert title_on(client, first.base_url, ticket_id) == NEW["title"]
            second.start(timeout=START)
            changed = client.patch(
                f"{second.base_url}/v1/tickets/{ticket_id}", json={"title": "Changed elsewhere"}
            )
            assert changed.status_code == 200, changed.text
            eventually(
                lambda: title_on(client, first.base_url, ticket_id) == "Changed elsewhere",
                "the first replica to drop its cached copy",
            )
    finally:
        first.stop()
        second.stop()
    assert first.output.count("Traceback") == 0, first.output
