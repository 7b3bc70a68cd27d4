"""Hostile input at every operation of the OpenAPI document, with an admin's and a requester's
token, on SQLite and PostgreSQL: no answer is a 5xx, every error is the one envelope, and a
control ticket created first is unchanged at the end (SPEC §4, §10)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Any

import pytest
from starlette.types import ASGIApp

from tessera.presentation.http.app import create_app
from tessera.presentation.http.errors import STATUS_BY_CODE
from tests.e2e.conftest import Api
from tests.e2e.hostile import (
    CURSORS,
    DEEP,
    ETAGS,
    JSON_VALUES,
    NUMBERS,
    ODD_HEADERS,
    RAW_BODIES,
    RAW_ENCODED,
    TEXTS,
    Answer,
    call,
    catalogue_size,
    encode,
    json_body,
)

ENVELOPE = {"error", "code", "details", "request_id"}
JSON = (b"content-type", b"application/json")
NOWHERE = 7  # an id that names nothing (see hostile.NUMBERS)
_DEEP_MARK = "__deep__"
PER_OPERATION = 150  # probes per operation that takes input


@dataclass(frozen=True)
class World:
    admin: str
    requester: str
    control: int
    target: int
    webhook: int


@dataclass(frozen=True)
class Probe:
    method: str
    target: str
    headers: list[tuple[bytes, bytes]] = field(default_factory=list)
    body: bytes = b""


@pytest.mark.slow
@pytest.mark.timeout(300)
async def test_no_hostile_input_breaks_an_operation_or_changes_the_control_ticket(
    api: Api,
) -> None:
    world = await _world(api)
    before = await _snapshot(api, world.control)
    app = create_app(
        api.container.services,
        max_body_bytes=api.container.settings.http.max_body_bytes,
        idempotency=api.container.idempotency,
    )
    document = (await api.client.get("/openapi.json")).json()
    operations = list(_operations(document))
    assert len(operations) >= 20

    failures: list[str] = []
    sent = 0
    for number, (method, path, operation) in enumerate(operations):
        for index, probe in enumerate(_sample(_probes(document, method, path, operation, world),
                                              offset=number)):  # fmt: skip
            # Both tokens at every operation, in turn (the whole product would be slow).
            answer = await _send(app, probe, (world.admin, world.requester)[index % 2])
            sent += 1
            problem = _problem(answer)
            if problem is not None and len(failures) < 40:
                failures.append(f"{probe.method} {probe.target[:120]!r}: {problem}")

    assert catalogue_size() >= 150
    assert sent >= PER_OPERATION * 20
    assert failures == []
    assert await _snapshot(api, world.control) == before


async def _world(api: Api) -> World:
    control = await api.create_ticket(
        title="Control", description="Nothing may change me.", customer_email="carol@example.com"
    )
    comment = await api.client.post(
        f"/v1/tickets/{control['id']}/comments", json={"body": "Still here."}, headers=api.admin
    )
    assert comment.status_code == 201
    requester = await api.token("requester", email="bob@example.com", name="bob")
    target = await api.create_ticket(customer_email="bob@example.com")
    webhook = await api.client.post(
        "/v1/webhooks", json={"url": "https://hooks.example.com/x"}, headers=api.admin
    )
    assert webhook.status_code == 201, webhook.text
    assert NOWHERE not in (control["id"], target["id"])
    return World(
        admin=api.admin["Authorization"].removeprefix("Bearer "),
        requester=requester,
        control=control["id"],
        target=target["id"],
        webhook=webhook.json()["id"],
    )


async def _snapshot(api: Api, ticket_id: int) -> tuple[Any, ...]:
    ticket = await api.client.get(f"/v1/tickets/{ticket_id}", headers=api.admin)
    comments = await api.client.get(f"/v1/tickets/{ticket_id}/comments", headers=api.admin)
    history = await api.client.get(f"/v1/tickets/{ticket_id}/history", headers=api.admin)
    assert ticket.status_code == 200
    return ticket.json(), ticket.headers["etag"], comments.json(), history.json()


def _sample(probes: Iterator[Probe], *, offset: int) -> list[Probe]:
    """About PER_OPERATION probes spread evenly over every part of the request; the offset
    makes each operation take other values from the catalogue than its neighbour."""
    every = list(probes)
    stride = max(1, len(every) // PER_OPERATION)
    return every[offset % stride :: stride]


def _operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method in {"get", "post", "put", "patch", "delete"}:
                yield method.upper(), path, operation


def _problem(answer: Answer) -> str | None:
    if answer.status == 0 or answer.status >= 500:
        return f"answered {answer.status}: {answer.body[:300]!r}"
    if answer.status < 400:
        return None
    if answer.headers.get("content-type") != "application/json":
        return f"{answer.status} without the JSON envelope: {answer.headers}"
    body = answer.json()
    if not isinstance(body, dict) or set(body) != ENVELOPE:
        return f"{answer.status} with another shape: {answer.body[:300]!r}"
    if STATUS_BY_CODE.get(body["code"]) != answer.status:
        return f"{answer.status} with code {body['code']!r}"
    return None


async def _send(app: ASGIApp, probe: Probe, secret: str) -> Answer:
    headers = [(b"authorization", f"Bearer {secret}".encode())]
    names = {name for name, _ in probe.headers}
    headers = [h for h in headers if h[0] not in names] + probe.headers
    return await call(app, probe.method, probe.target, headers=headers, body=probe.body)


# What a valid request to each operation looks like; each probe spoils one part of it.


def _path_values(world: World) -> dict[str, int]:
    return {
        "ticket_id": world.target,
        "webhook_id": world.webhook,
        "delivery_id": NOWHERE,
        "token_id": NOWHERE,
        "comment_id": NOWHERE,
        "dead_letter_id": NOWHERE,
        "user_id": NOWHERE,
        "organization_id": NOWHERE,
        "group_id": NOWHERE,
        "attachment_id": NOWHERE,
        "mailbox_id": NOWHERE,
    }


_BODIES: dict[tuple[str, str], dict[str, Any]] = {
    ("POST", "/v1/tickets"): {
        "title": "Hostile",
        "description": "Sent by the hostile-input test.",
        "customer_email": "bob@example.com",
        "priority": "low",
        "tags": ["hostile"],
    },
    ("PATCH", "/v1/tickets/{ticket_id}"): {"title": "Changed by the hostile-input test"},
    ("POST", "/v1/tickets/bulk"): {"ids": [0], "changes": {"priority": "high"}},
    ("POST", "/v1/tickets/{ticket_id}/merge"): {"into": NOWHERE},
    ("POST", "/v1/tickets/{ticket_id}/comments"): {"body": "A hostile reply.", "public": True},
    ("POST", "/v1/webhooks"): {
        "url": "https://hooks.example.com/hostile",
        "event_types": ["ticket.created"],
        "description": "hostile",
    },
    ("POST", "/v1/tokens"): {"name": "hostile", "role": "agent"},
}


def _probes(
    document: dict[str, Any], method: str, path: str, operation: dict[str, Any], world: World
) -> Iterator[Probe]:
    ids = _path_values(world)
    parameters = operation.get("parameters", [])
    path_names = [p["name"] for p in parameters if p["in"] == "path"]
    base = Probe(method, path.format(**{name: ids[name] for name in path_names}))
    body = _baseline_body(document, method, path, operation, world)
    if body is not None:
        base = replace(base, headers=[JSON], body=json_body(body))

    for name in path_names:
        for value in (*NUMBERS, *TEXTS[:30], *RAW_ENCODED):
            spoiled = {n: str(ids[n]) for n in path_names}
            spoiled[name] = value if value in RAW_ENCODED else encode(value)
            yield replace(base, target=path.format(**spoiled))
    yield from _parameter_probes(base, parameters)
    if body is not None:
        for raw in (*RAW_BODIES, *_spoiled_bodies(document, operation, body)):
            yield replace(base, body=raw)
    for header in ODD_HEADERS:
        yield replace(base, headers=[h for h in base.headers if h[0] != header[0]] + [header])


def _parameter_probes(base: Probe, parameters: list[dict[str, Any]]) -> Iterator[Probe]:
    for parameter in parameters:
        if parameter["in"] == "query":
            for value in _query_values(parameter):
                yield replace(base, target=f"{base.target}?{parameter['name']}={value}")
        elif parameter["in"] == "header":
            for text in (*ETAGS, *NUMBERS, *TEXTS[:20]):
                spoiled = (parameter["name"].lower().encode(), text.encode("utf-8"))
                yield replace(base, headers=[*base.headers, spoiled])


def _query_values(parameter: dict[str, Any]) -> Iterator[str]:
    yield from RAW_ENCODED
    values = (*TEXTS, *NUMBERS[:8]) if _kind(parameter["schema"]) != "integer" else NUMBERS
    for value in values:
        yield encode(value)
    if parameter["name"] in {"cursor", "after"}:
        yield from (encode(c) for c in CURSORS)
    if _kind(parameter["schema"]) == "array":
        yield "x&" + "&".join(f"{parameter['name']}=x{i}" for i in range(30))


def _kind(schema: dict[str, Any]) -> str:
    for option in (schema, *schema.get("anyOf", [])):
        if option.get("type") not in (None, "null"):
            return str(option["type"])
    return "string"


def _baseline_body(
    document: dict[str, Any], method: str, path: str, operation: dict[str, Any], world: World
) -> dict[str, Any] | None:
    if "requestBody" not in operation:
        return None
    known = _BODIES.get((method, path))
    if known is not None:
        body = dict(known)
        if "ids" in body:
            body["ids"] = [world.target]
        return body
    examples = _schema(document, operation).get("examples") or [{}]
    return dict(examples[0])


def _schema(document: dict[str, Any], operation: dict[str, Any]) -> dict[str, Any]:
    content = operation["requestBody"]["content"].get("application/json")
    if content is None:  # a file upload: any bytes are a valid body, there are no fields
        return {}
    return _resolve(document, content["schema"])


def _resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    if ref is None:
        return schema
    resolved: dict[str, Any] = document
    for part in ref.removeprefix("#/").split("/"):
        resolved = resolved[part]
    return resolved


def _spoiled_bodies(
    document: dict[str, Any], operation: dict[str, Any], body: dict[str, Any]
) -> Iterator[bytes]:
    """The valid body with one property (also one level down) replaced by each hostile value."""
    properties = _schema(document, operation).get("properties", {})
    for name, schema in properties.items():
        yield from _spoil(body, name, is_array=_kind(schema) == "array")
        nested = _resolve(document, schema).get("properties", {})
        if isinstance(body.get(name), dict):
            for inner, inner_schema in nested.items():
                for raw in _spoil(body[name], inner, is_array=_kind(inner_schema) == "array"):
                    yield _splice(body, name, raw)


def _spoil(body: dict[str, Any], name: str, *, is_array: bool) -> Iterator[bytes]:
    values: list[Any] = [*TEXTS, *JSON_VALUES, *NUMBERS[:10]]
    if is_array:
        values += [[text] for text in TEXTS] + [[v] for v in JSON_VALUES[:12]]
    for value in values:
        yield json_body({**body, name: value})
    deep = json_body({**body, name: _DEEP_MARK})
    yield deep.replace(f'"{_DEEP_MARK}"'.encode(), b"[" * DEEP + b"]" * DEEP)


def _splice(body: dict[str, Any], name: str, inner: bytes) -> bytes:
    outer = json_body({**body, name: _DEEP_MARK})
    return outer.replace(f'"{_DEEP_MARK}"'.encode(), inner)
