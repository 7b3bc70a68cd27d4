"""Rate limits, security headers and CORS through the real app."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest

from tessera.infrastructure.ratelimit.buckets import LocalBuckets
from tessera.presentation.http.app import create_app
from tessera.presentation.http.middleware.rate_limit import RateLimits
from tests.e2e.conftest import ADMIN_SECRET, Api
from tests.openapi_check import CHECKED

AUTH = {"Authorization": f"Bearer {ADMIN_SECRET}"}


@pytest.fixture
async def limited(api: Api) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(
        api.container.services,
        rate_limiter=LocalBuckets(),
        rate_limits=RateLimits(reads_per_minute=5, writes_per_minute=2, anonymous_per_minute=3),
        cors_origins=("https://app.example.com",),
    )
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://t", event_hooks=CHECKED
    ) as client:
        yield client


async def test_reads_past_the_limit_get_429_with_retry_after(
    limited: httpx.AsyncClient,
) -> None:
    answers = [await limited.get("/v1/tickets", headers=AUTH) for _ in range(6)]

    assert [a.status_code for a in answers] == [200] * 5 + [429]
    assert [a.headers["ratelimit-remaining"] for a in answers] == ["4", "3", "2", "1", "0", "0"]
    assert all(a.headers["ratelimit-limit"] == "5" for a in answers)
    refused = answers[-1]
    assert refused.json()["code"] == "rate_limited"
    assert refused.json()["request_id"] == refused.headers["x-request-id"]
    assert int(refused.headers["retry-after"]) >= 1
    assert int(refused.headers["ratelimit-reset"]) >= 1
    # Writes have their own bucket; probes are never limited.
    write = await limited.post(
        "/v1/tickets",
        json={"title": "Still", "description": "Writes are apart.", "customer_email": "a@b.co"},
        headers=AUTH,
    )
    assert write.status_code == 201
    assert write.headers["ratelimit-limit"] == "2"
    probes = [(await limited.get("/livez")).status_code for _ in range(10)]
    assert probes == [200] * 10


async def test_unauthenticated_callers_share_a_bucket_per_address(
    limited: httpx.AsyncClient,
) -> None:
    statuses = [(await limited.get("/v1/tickets")).status_code for _ in range(4)]
    assert statuses == [401, 401, 401, 429]


async def test_security_headers_on_every_answer(limited: httpx.AsyncClient) -> None:
    for response in (
        await limited.get("/v1/tickets", headers=AUTH),
        await limited.get("/v1/nowhere", headers=AUTH),
        await limited.get("/livez"),
    ):
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "no-referrer"
        assert response.headers["content-security-policy"].startswith("default-src 'none'")
        assert response.headers["x-request-id"]
    authenticated = await limited.get("/v1/tickets", headers=AUTH)
    assert authenticated.headers["cache-control"] == "no-store"
    docs = await limited.get("/docs")
    assert "content-security-policy" not in docs.headers  # Swagger UI needs its scripts


async def test_cors_answers_only_configured_origins(limited: httpx.AsyncClient, api: Api) -> None:
    preflight = {
        "Origin": "https://app.example.com",
        "Access-Control-Request-Method": "PATCH",
        "Access-Control-Request-Headers": "authorization,if-match",
    }
    allowed = await limited.options("/v1/tickets/1", headers=preflight)
    assert allowed.headers["access-control-allow-origin"] == "https://app.example.com"
    other = await limited.options(
        "/v1/tickets/1", headers={**preflight, "Origin": "https://evil.example.com"}
    )
    assert "access-control-allow-origin" not in other.headers
    default = await api.client.get(
        "/v1/tickets", headers={**AUTH, "Origin": "https://app.example.com"}
    )
    assert "access-control-allow-origin" not in default.headers  # off unless configured


async def test_a_cross_origin_caller_can_read_the_edges_refusals(
    limited: httpx.AsyncClient,
) -> None:
    origin = {"Origin": "https://app.example.com"}
    answers = [await limited.get("/v1/tickets", headers=origin) for _ in range(4)]
    assert [answer.status_code for answer in answers] == [401, 401, 401, 429]
    refused = answers[-1]
    assert refused.headers["access-control-allow-origin"] == "https://app.example.com"
    assert refused.headers["x-request-id"]  # the edge's headers too


NEW_TICKET = {"title": "Once", "description": "Created exactly once.", "customer_email": "a@b.co"}


async def test_a_retried_create_with_its_key_gets_the_first_answer(api: Api) -> None:
    headers = {**AUTH, "Idempotency-Key": "create-7f3a"}
    first = await api.client.post("/v1/tickets", json=NEW_TICKET, headers=headers)
    again = await api.client.post("/v1/tickets", json=NEW_TICKET, headers=headers)
    other = await api.client.post(
        "/v1/tickets", json={**NEW_TICKET, "title": "Another"}, headers=headers
    )

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["location"] == first.headers["location"]
    assert again.headers["idempotent-replayed"] == "true"
    assert other.status_code == 409
    assert other.json()["code"] == "idempotency_key_reused"
    listed = (await api.client.get("/v1/tickets", headers=AUTH)).json()["data"]
    assert len(listed) == 1


async def test_concurrent_requests_with_one_key_create_one_ticket(api: Api) -> None:
    headers = {**AUTH, "Idempotency-Key": "burst-1"}
    answers = await asyncio.gather(
        *(api.client.post("/v1/tickets", json=NEW_TICKET, headers=headers) for _ in range(5))
    )
    assert {a.status_code for a in answers} == {201}
    assert len({a.json()["id"] for a in answers}) == 1
    listed = (await api.client.get("/v1/tickets", headers=AUTH)).json()["data"]
    assert len(listed) == 1


async def test_keys_are_per_caller_and_validated(api: Api) -> None:
    agent = await api.token("agent")
    headers = {"Idempotency-Key": "shared-key"}
    mine = await api.client.post("/v1/tickets", json=NEW_TICKET, headers={**AUTH, **headers})
    theirs = await api.client.post(
        "/v1/tickets", json=NEW_TICKET, headers={**api.auth(agent), **headers}
    )
    assert mine.json()["id"] != theirs.json()["id"]
    bad = await api.client.post(
        "/v1/tickets", json=NEW_TICKET, headers={**AUTH, "Idempotency-Key": "x" * 300}
    )
    assert bad.status_code == 422


async def test_revocation_is_immediate_and_an_admin_cannot_revoke_itself(api: Api) -> None:
    agent = await api.token("agent")
    listed = (await api.client.get("/v1/tokens", headers=AUTH)).json()["data"]
    agent_id = next(t["id"] for t in listed if t["role"] == "agent")
    assert (await api.client.get("/v1/tickets", headers=api.auth(agent))).status_code == 200

    assert (await api.client.delete(f"/v1/tokens/{agent_id}", headers=AUTH)).status_code == 204
    after = await api.client.get("/v1/tickets", headers=api.auth(agent))
    assert after.status_code == 401  # although the principal was cached a moment ago
    itself = await api.client.delete("/v1/tokens/1", headers=AUTH)
    assert itself.status_code == 409
    assert (await api.client.get("/v1/tickets", headers=AUTH)).status_code == 200


async def test_oversized_headers_are_refused_with_431(api: Api) -> None:
    response = await api.client.get("/v1/tickets", headers={**AUTH, "X-Padding": "a" * 20_000})
    assert response.status_code == 431
    assert response.json()["code"] == "headers_too_large"
    assert (await api.client.get("/v1/tickets", headers=AUTH)).status_code == 200
