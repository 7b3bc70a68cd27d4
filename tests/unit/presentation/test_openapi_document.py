"""The OpenAPI document is valid and says what the server answers (SPEC §12); ``/docs``
needs nothing but Tessera itself."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from openapi_core.exceptions import OpenAPIError
from openapi_spec_validator import validate

from tessera.bootstrap.memory import build_memory_services
from tessera.presentation.http.app import create_app
from tests.openapi_check import check, document
from tests.support import FrozenClock

Operation = tuple[str, str, dict[str, Any]]


def operations() -> Iterator[Operation]:
    for path, item in document()["paths"].items():
        for method, operation in item.items():
            yield path, method, operation


def v1_operations() -> Iterator[Operation]:
    return ((p, m, o) for p, m, o in operations() if p.startswith("/v1/"))


def header_names(operation: dict[str, Any]) -> set[str]:
    return {p["name"] for p in operation.get("parameters", []) if p["in"] == "header"}


def test_the_document_is_valid_openapi() -> None:
    validate(document())


def test_every_v1_operation_takes_a_bearer_token() -> None:
    schemes = document()["components"]["securitySchemes"]
    assert schemes["bearer"] == {
        "type": "http",
        "scheme": "bearer",
        "description": schemes["bearer"]["description"],
    }
    for path, method, operation in v1_operations():
        assert operation["security"] == [{"bearer": []}], (method, path)
    for path, method, operation in operations():
        if not path.startswith("/v1/"):
            assert "security" not in operation, (method, path)


def test_no_framework_error_schema_is_left_anywhere() -> None:
    text = str(document())
    assert "HTTPValidationError" not in text
    assert "ValidationError" not in document()["components"]["schemas"]
    assert "'detail'" not in text


def test_every_error_answer_is_the_one_envelope() -> None:
    for path, method, operation in operations():
        for status, response in operation["responses"].items():
            if int(status) < 400 or (path == "/readyz" and status == "503"):
                continue
            media = response["content"]["application/json"]
            assert media["schema"] == {"$ref": "#/components/schemas/ErrorResponse"}, (
                method,
                path,
                status,
            )
            assert media["example"]["code"] in response["description"], (method, path, status)


@pytest.mark.parametrize(
    ("method", "statuses"),
    [
        ("get", {"401", "422", "429", "431", "500", "503"}),
        ("delete", {"401", "422", "429", "431", "500", "503"}),
        ("patch", {"400", "401", "413", "415", "422", "429", "431", "503"}),
        ("post", {"400", "401", "409", "413", "415", "422", "429", "431", "503"}),
    ],
)
def test_every_v1_operation_declares_what_the_middleware_answers(
    method: str, statuses: set[str]
) -> None:
    found = [(p, o) for p, m, o in v1_operations() if m == method]
    assert found
    for path, operation in found:
        assert statuses <= set(operation["responses"]), (method, path)


def test_the_statuses_of_the_ticket_routes_are_declared() -> None:
    paths = document()["paths"]
    ticket = paths["/v1/tickets/{ticket_id}"]
    assert {"304", "403", "404"} <= set(ticket["get"]["responses"])
    assert {"403", "404", "409", "412"} <= set(ticket["patch"]["responses"])
    assert {"403", "404", "412"} <= set(ticket["delete"]["responses"])


def test_conditional_and_idempotent_request_headers_are_declared() -> None:
    paths = document()["paths"]
    ticket = paths["/v1/tickets/{ticket_id}"]
    assert "If-None-Match" in header_names(ticket["get"])
    assert "If-Match" in header_names(ticket["patch"])
    assert "If-Match" in header_names(ticket["delete"])
    for path, method, operation in v1_operations():
        assert ("Idempotency-Key" in header_names(operation)) is (method == "post"), path


def test_response_headers_are_declared() -> None:
    paths = document()["paths"]
    for path, method, operation in operations():
        for status, response in operation["responses"].items():
            headers = response["headers"]
            assert "X-Request-ID" in headers, (method, path, status)
            if path.startswith("/v1/"):
                assert {"RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset"} <= set(headers)
                if status in ("429", "503"):
                    assert "Retry-After" in headers, (method, path, status)
            if method == "post" and int(status) < 300:
                assert "Idempotent-Replayed" in headers, (method, path)
            if method == "post" and status == "201":
                assert "Location" in headers, path
    ticket = paths["/v1/tickets/{ticket_id}"]
    for method, status in (("get", "200"), ("get", "304"), ("patch", "200")):
        assert "ETag" in ticket[method]["responses"][status]["headers"], (method, status)
    assert "ETag" in paths["/v1/tickets"]["post"]["responses"]["201"]["headers"]
    assert "WWW-Authenticate" in paths["/v1/tickets"]["get"]["responses"]["401"]["headers"]
    declared = document()["components"]["headers"]
    assert declared["X-Request-ID"]["required"] is True
    assert declared["ETag"]["required"] is True


def test_operation_ids_are_stable_names() -> None:
    ids = [operation["operationId"] for _, _, operation in operations()]
    assert len(ids) == len(set(ids))
    for operation_id in ids:
        assert re.fullmatch(r"[a-z_]+\.[a-z_]+", operation_id), operation_id
    by_route = {(m, p): o["operationId"] for p, m, o in operations()}
    assert by_route[("post", "/v1/tickets")] == "tickets.create"
    assert by_route[("get", "/v1/tickets/{ticket_id}")] == "tickets.get"
    assert by_route[("get", "/v1/tickets")] == "tickets.list"
    assert by_route[("patch", "/v1/tickets/{ticket_id}")] == "tickets.update"
    assert by_route[("post", "/v1/tickets/{ticket_id}/comments")] == "comments.create"
    assert by_route[("get", "/v1/events")] == "events.list"


def test_every_operation_has_an_example_of_its_answer_and_of_its_body() -> None:
    schemas = document()["components"]["schemas"]
    for path, method, operation in operations():
        successes = [r for s, r in operation["responses"].items() if int(s) < 300]
        with_content = [r for r in successes if r.get("content")]
        if not with_content:  # 204: no body
            assert all(s == "204" for s in operation["responses"] if int(s) < 300), path
            continue
        for response in with_content:
            for media in response["content"].values():
                opaque = media.get("schema", {}).get("format") == "binary"  # a file's bytes
                assert "example" in media or opaque or media.get("schema", {}) == {}, (
                    method,
                    path,
                )
        body = operation.get("requestBody")
        if body is not None and "application/json" in body["content"]:
            ref = body["content"]["application/json"]["schema"]["$ref"]
            assert schemas[ref.rsplit("/", 1)[-1]].get("examples"), (method, path)
        elif body is not None:  # a file: its bytes need no example, but the body says what
            assert body.get("description"), (method, path)


def test_the_changes_feed_takes_after_as_the_string_its_next_cursor_is() -> None:
    paths = document()["paths"]
    after = next(p for p in paths["/v1/events"]["get"]["parameters"] if p["name"] == "after")
    next_cursor = document()["components"]["schemas"]["FeedResponse"]["properties"]["next_cursor"]
    assert after["schema"]["type"] == next_cursor["type"] == "string"
    assert re.fullmatch(after["schema"]["pattern"], "9223372036854775807")


def test_fields_that_refuse_null_are_not_nullable() -> None:
    schemas = document()["components"]["schemas"]
    update = schemas["TicketUpdateRequest"]["properties"]
    for name in ("title", "description", "priority", "status", "tags"):
        assert "null" not in str(update[name]), name
    assert {"type": "null"} in update["assignee_id"]["anyOf"]  # null unassigns
    bulk = schemas["BulkChanges"]["properties"]
    for name in ("status", "priority", "tags"):
        assert "null" not in str(bulk[name]), name
    for _, _, operation in operations():
        for parameter in operation.get("parameters", []):
            assert "null" not in str(parameter["schema"]), parameter["name"]


def test_every_list_answer_carries_links_next() -> None:
    schemas = document()["components"]["schemas"]
    lists = [
        name for name, schema in schemas.items() if "next_cursor" in schema.get("properties", {})
    ]
    assert len(lists) >= 8
    for name in lists:
        assert schemas[name]["properties"]["links"] == {"$ref": "#/components/schemas/PageLinks"}
        assert "links" in schemas[name]["required"], name


async def test_the_docs_page_loads_only_assets_tessera_serves() -> None:
    services, _ = build_memory_services(clock=FrozenClock())
    transport = httpx.ASGITransport(app=create_app(services))
    async with httpx.AsyncClient(transport=transport, base_url="http://tessera.test") as client:
        for page in ("/docs", "/redoc"):
            html = (await client.get(page)).text
            urls = re.findall(r"""(?:src|href)=["']([^"']+)["']|url: ?'([^']+)'""", html)
            found = [u for pair in urls for u in pair if u]
            assert found, page
            for url in found:
                assert url.startswith("/"), (page, url)  # nothing from another host
                answer = await client.get(url)
                assert answer.status_code == 200, (page, url)
                assert len(answer.content) > 1000 or url == "/openapi.json", (page, url)


def _answer(status: int, body: dict[str, Any], headers: dict[str, str]) -> httpx.Response:
    request = httpx.Request("GET", "http://tessera.test/v1/tickets/1")
    return httpx.Response(status, json=body, headers=headers, request=request)


def test_the_answer_check_refuses_what_the_document_does_not_say() -> None:
    envelope = {"error": "No ticket 1", "code": "ticket_not_found", "details": None}
    good = {**envelope, "request_id": "r-1"}
    request_id = {"X-Request-ID": "r-1"}
    check(_answer(404, good, request_id), json.dumps(good).encode())
    broken = [
        _answer(404, good, {}),  # the required X-Request-ID is missing
        _answer(418, good, request_id),  # a status the operation does not declare
        _answer(404, {"detail": "Not Found"}, request_id),  # FastAPI's shape, not the envelope
    ]
    for answer in broken:
        with pytest.raises(OpenAPIError):
            check(answer, answer.content)


def test_every_schema_example_has_every_required_field() -> None:
    for name, schema in document()["components"]["schemas"].items():
        for example in schema.get("examples", []):
            if "properties" in schema and not name.endswith("Request"):
                assert set(schema.get("required", [])) <= set(example), name
