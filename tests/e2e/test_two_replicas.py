"""Two Tessera processes sharing PostgreSQL and Redis: a write through one is visible through
the other within 100 ms, although both had the ticket in their L1 caches."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import ADMIN_SECRET
from tests.servers import TesseraProcess, ThrowawayServer, redis_command

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow, pytest.mark.timing]

AUTH = {"Authorization": f"Bearer {ADMIN_SECRET}"}


@pytest.fixture
def replicas(postgres_url: str, tmp_path: Path) -> Iterator[tuple[str, str]]:
    redis = ThrowawayServer("redis-server", redis_command, tmp_path)
    redis.start()
    env = {
        "TESSERA_ENV": "development",
        "TESSERA_DATABASE_URL": postgres_url,
        "TESSERA_REDIS_URL": f"redis://127.0.0.1:{redis.port}/0",
        "TESSERA_BOOTSTRAP_ADMIN_TOKEN": ADMIN_SECRET,
        "TESSERA_LOG_LEVEL": "WARNING",
    }
    one, two = TesseraProcess(env, tmp_path), TesseraProcess(env, tmp_path)
    try:
        one.start()  # the first start creates the admin token; then the second
        two.start()
        yield one.base_url, two.base_url
    finally:
        one.stop()
        two.stop()
        redis.stop()


def test_a_write_on_one_replica_is_read_on_the_other_within_100_ms(
    replicas: tuple[str, str],
) -> None:
    first, second = replicas
    with httpx.Client(headers=AUTH, timeout=5) as client:
        created = client.post(
            f"{first}/v1/tickets",
            json={"title": "Created", "description": "Seen by both.", "customer_email": "a@b.co"},
        )
        url = f"/v1/tickets/{created.json()['id']}"
        # A first round trip warms each process (statements, connections, the cache script);
        # the measured one starts with the ticket in both L1s.
        for title, readers in (("Warm-up", (second, first)), ("Before", (first, second))):
            client.patch(f"{first}{url}", json={"title": title})
            for base in readers * 2:
                assert client.get(f"{base}{url}").json()["title"] == title

        changed = client.patch(f"{first}{url}", json={"title": "After"})
        written = time.monotonic()
        assert changed.status_code == 200
        while client.get(f"{second}{url}").json()["title"] != "After":
            assert time.monotonic() - written < 1.0, "the other replica never saw the write"
            time.sleep(0.002)
        elapsed = time.monotonic() - written

    assert elapsed < 0.1, f"visible after {elapsed * 1000:.0f} ms"


def _revoke(client: httpx.Client, base: str, issued: dict[str, Any]) -> httpx.Response:
    return client.delete(f"{base}/v1/tokens/{issued['id']}", headers=AUTH)


def _deactivate(client: httpx.Client, base: str, issued: dict[str, Any]) -> httpx.Response:
    return client.patch(
        f"{base}/v1/users/{issued['user_id']}", json={"active": False}, headers=AUTH
    )


@pytest.mark.parametrize("stop", [_revoke, _deactivate], ids=["revoked", "user_deactivated"])
def test_a_token_stopped_on_one_replica_stops_working_on_the_other_at_once(
    replicas: tuple[str, str],
    stop: Callable[[httpx.Client, str, dict[str, Any]], httpx.Response],
) -> None:
    """Revoking the token, or deactivating the user it acts as (SPEC §13)."""
    first, second = replicas
    with httpx.Client(timeout=5) as client:
        user = client.post(
            f"{first}/v1/users",
            json={"name": "Temp", "email": "temp@support.example.com", "role": "agent"},
            headers=AUTH,
        ).json()
        issued = client.post(
            f"{first}/v1/tokens", json={"name": "temp", "user_id": user["id"]}, headers=AUTH
        ).json()
        agent = {"Authorization": f"Bearer {issued['token']}"}
        for _ in range(3):  # the other replica has the principal cached
            assert client.get(f"{second}/v1/tickets", headers=agent).status_code == 200

        stopped = stop(client, first, issued)
        done = time.monotonic()
        assert stopped.status_code in (200, 204)
        while client.get(f"{second}/v1/tickets", headers=agent).status_code != 401:
            assert time.monotonic() - done < 1.0, "the stopped token still works"
            time.sleep(0.002)
        elapsed = time.monotonic() - done

    assert elapsed < 0.1, f"refused after {elapsed * 1000:.0f} ms"
