"""Every row of the SPEC §4 error table that applies to the ticket and token routes."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import httpx
import pytest

from tessera.application.errors import ConflictError
from tessera.bootstrap.container import build_container
from tessera.bootstrap.settings import DatabaseSettings, Environment, Settings
from tessera.presentation.http.app import create_app
from tests.e2e.conftest import Api
from tests.openapi_check import CHECKED


def assert_envelope(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    body: dict[str, Any] = response.json()
    assert set(body) == {"error", "code", "details", "request_id"}
    assert body["code"] == code
    assert isinstance(body["error"], str)
    assert body["error"]
    assert body["request_id"] == response.headers["x-request-id"]
    return body


async def test_400_invalid_json(api: Api) -> None:
    response = await api.client.post(
        "/v1/tickets",
        content=b'{"title": ',
        headers={**api.admin, "content-type": "application/json"},
    )
    assert_envelope(response, 400, "invalid_json")


@pytest.mark.parametrize("header", [None, "Bearer", "Bearer tsr_nope", "Basic dXNlcjpwYXNz"])
async def test_401_unauthenticated_with_www_authenticate(api: Api, header: str | None) -> None:
    headers = {"Authorization": header} if header else {}
    response = await api.client.get("/v1/tickets", headers=headers)
    assert_envelope(response, 401, "unauthenticated")
    assert response.headers["www-authenticate"].startswith("Bearer")


async def test_403_forbidden(api: Api) -> None:
    requester = await api.token("requester", email="bob@example.com")
    response = await api.client.post(
        "/v1/tokens", json={"name": "x", "role": "admin"}, headers=api.auth(requester)
    )
    assert_envelope(response, 403, "forbidden")


async def test_404_ticket_not_found_and_not_found_for_unknown_routes(api: Api) -> None:
    assert_envelope(
        await api.client.get("/v1/tickets/999", headers=api.admin), 404, "ticket_not_found"
    )
    assert_envelope(await api.client.get("/v1/nothing-here", headers=api.admin), 404, "not_found")
    assert_envelope(
        await api.client.delete("/v1/tokens/999", headers=api.admin), 404, "token_not_found"
    )


async def test_405_method_not_allowed(api: Api) -> None:
    assert_envelope(
        await api.client.put("/v1/tickets", headers=api.admin), 405, "method_not_allowed"
    )


@pytest.mark.parametrize(
    ("path", "methods"),
    [
        ("/v1/tickets", {"GET", "POST"}),
        ("/v1/tickets/1", {"GET", "PATCH", "DELETE"}),
        ("/v1/tickets/1/comments", {"GET", "POST"}),
    ],
)
async def test_405_allow_lists_every_method_of_the_path(
    api: Api, path: str, methods: set[str]
) -> None:
    response = await api.client.put(path, headers=api.admin)
    assert_envelope(response, 405, "method_not_allowed")
    assert {m.strip() for m in response.headers["allow"].split(",")} == methods


async def test_409_invalid_status_transition(api: Api) -> None:
    ticket = await api.create_ticket()
    url = f"/v1/tickets/{ticket['id']}"
    await api.client.patch(url, json={"status": "closed"}, headers=api.admin)
    body = assert_envelope(
        await api.client.patch(url, json={"status": "open"}, headers=api.admin),
        409,
        "invalid_status_transition",
    )
    assert body["details"]["from"] == "closed"


async def test_409_conflict_when_a_racing_writer_keeps_winning(api: Api) -> None:
    async def always_loses(*_args: object, **_kwargs: object) -> None:
        raise ConflictError("Ticket 1 was changed by someone else")

    services = dataclasses.replace(api.container.services, update_ticket=always_loses)  # type: ignore[arg-type]
    app = create_app(services)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://t", event_hooks=CHECKED
    ) as client:
        response = await client.patch("/v1/tickets/1", json={"title": "x"}, headers=api.admin)
    assert_envelope(response, 409, "conflict")


async def test_412_precondition_failed_for_a_stale_or_foreign_etag(api: Api) -> None:
    ticket = await api.create_ticket()
    url = f"/v1/tickets/{ticket['id']}"
    for etag in ('"1-7"', '"999-1"', "garbage"):
        response = await api.client.patch(
            url, json={"title": "x"}, headers={**api.admin, "If-Match": etag}
        )
        assert_envelope(response, 412, "precondition_failed")


async def test_413_payload_too_large_by_header_and_by_stream(api: Api) -> None:
    big = json.dumps(
        {"title": "x", "description": "y" * (2 * 1024 * 1024), "customer_email": "a@b.co"}
    ).encode()
    headers = {**api.admin, "content-type": "application/json"}
    assert_envelope(
        await api.client.post("/v1/tickets", content=big, headers=headers), 413, "payload_too_large"
    )

    async def chunks() -> Any:
        for start in range(0, len(big), 65536):
            yield big[start : start + 65536]

    streamed = await api.client.post("/v1/tickets", content=chunks(), headers=headers)
    assert_envelope(streamed, 413, "payload_too_large")


async def test_415_unsupported_media_type(api: Api) -> None:
    response = await api.client.post(
        "/v1/tickets", content=b"title=x", headers={**api.admin, "content-type": "text/plain"}
    )
    assert_envelope(response, 415, "unsupported_media_type")


async def test_422_lists_every_bad_field(api: Api) -> None:
    response = await api.client.post(
        "/v1/tickets",
        json={
            "title": "   ",
            "description": "short",
            "priority": "urgent",
            "customer_email": "not-an-address",
            "tags": ["ok", "NOT OK"],
            "colour": "red",
        },
        headers=api.admin,
    )
    body = assert_envelope(response, 422, "validation_failed")
    fields = {d["field"] for d in body["details"]}
    assert {"title", "description", "priority", "customer_email", "tags.1", "colour"} <= fields
    assert all(set(d) == {"field", "message"} for d in body["details"])


@pytest.mark.parametrize(
    "path",
    [
        "/v1/tickets/0",
        "/v1/tickets/abc",
        "/v1/tickets/99999999999999999999",
        "/v1/tickets?limit=0",
        "/v1/tickets?limit=101",
        "/v1/tickets?status=bogus",
        "/v1/tickets?cursor=not-a-cursor",
    ],
)
async def test_422_for_bad_path_and_query_values(api: Api, path: str) -> None:
    assert_envelope(await api.client.get(path, headers=api.admin), 422, "validation_failed")


# The shortcut's read (the edge's last resort) and the framework's route (the framework's
# error layer, then the edge): the same answer, and the failure logged once.
@pytest.mark.parametrize("path", ["/v1/tickets/1", "/v1/tickets/1?include=users"])
async def test_500_says_nothing_internal(
    api: Api, path: str, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("secret connection string postgresql://u:p@db")

    services = dataclasses.replace(api.container.services, get_ticket=broken)  # type: ignore[arg-type]
    app = create_app(services)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app, raise_app_exceptions=False),
        base_url="http://t",
        event_hooks=CHECKED,
    ) as client:
        response = await client.get(path, headers={**api.admin, "X-Request-ID": "req-500"})
    logged = [r for r in caplog.records if r.getMessage() == "unhandled error"]
    assert [getattr(r, "request_id", None) for r in logged] == ["req-500"]
    body = assert_envelope(response, 500, "internal_error")
    assert body["request_id"] == "req-500"
    assert body["error"] == "Internal server error"
    assert body["details"] is None
    assert "postgresql" not in response.text
    assert "RuntimeError" not in response.text


async def test_503_when_the_database_is_unreachable() -> None:
    settings = Settings(
        env=Environment.TEST, database=DatabaseSettings(url="postgresql://nobody@127.0.0.1:9/none")
    )
    container = build_container(settings)
    app = create_app(container.services)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app, raise_app_exceptions=False),
        base_url="http://t",
        event_hooks=CHECKED,
    ) as client:
        response = await client.get("/v1/tickets", headers={"Authorization": "Bearer tsr_x"})
        ready = await client.get("/readyz")
    await container.close()
    assert_envelope(response, 503, "service_unavailable")
    assert response.headers["retry-after"].isdigit()
    assert ready.status_code == 503
    assert ready.json()["checks"]["database"]["code"] == "database_unavailable"


async def test_request_ids_are_echoed_when_sane_and_replaced_when_not(api: Api) -> None:
    sane = await api.client.get("/livez", headers={"X-Request-ID": "abc-123"})
    assert sane.headers["x-request-id"] == "abc-123"
    insane = await api.client.get("/livez", headers={"X-Request-ID": "<script>" * 30})
    assert insane.headers["x-request-id"] != "<script>" * 30
    assert len(insane.headers["x-request-id"]) == 32
