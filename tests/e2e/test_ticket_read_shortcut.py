"""The hot ticket routes (one ticket, a list, a new ticket), answered before the framework's
routing, answer exactly as the framework's routes do: every status, header and body byte, for
every kind of caller."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import orjson
from fastapi import FastAPI

from tessera.application.queries import ListTickets, TicketSort
from tessera.domain.tickets.status import Status
from tessera.presentation.http.app import create_app
from tessera.presentation.http.middleware.ticket_read import TicketListQuery, TicketReadShortcut
from tests.e2e.conftest import ADMIN_SECRET, Api

_VARYING = frozenset({"x-request-id", "date"})


def _without_shortcut(app: FastAPI) -> FastAPI:
    shortcut: object = TicketReadShortcut
    app.user_middleware = [m for m in app.user_middleware if m.cls is not shortcut]
    return app


async def _answer(
    app: FastAPI, path: str, headers: dict[str, str]
) -> tuple[int, dict[str, str], bytes]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        response = await client.get(path, headers={**headers, "X-Request-ID": "same-id"})
    kept = {k: v for k, v in response.headers.items() if k not in _VARYING}
    return response.status_code, kept, response.content


async def _same_as_framework(
    api: Api, cases: list[tuple[Any, dict[str, str]]], answer: Callable[..., Awaitable[Any]]
) -> list[int]:
    """Each case answered alike with the shortcut and without it; the statuses."""
    services = api.container.services
    statuses = []
    for request, headers in cases:
        shortcut = await answer(create_app(services), request, headers)
        framework = await answer(_without_shortcut(create_app(services)), request, headers)
        assert shortcut == framework, (request, headers)
        statuses.append(shortcut[0])
    return statuses


async def test_every_answer_matches_the_framework_route(api: Api) -> None:
    mine = await api.create_ticket(customer_email="ann@example.com")
    theirs = await api.create_ticket(customer_email="bob@example.com")
    requester = await api.token("requester", email="ann@example.com")
    agent = await api.token("agent")
    etag = (await api.client.get(f"/v1/tickets/{mine['id']}", headers=api.admin)).headers["etag"]
    cases = [
        (f"/v1/tickets/{mine['id']}", api.admin),
        (f"/v1/tickets/{mine['id']}", api.auth(agent)),
        (f"/v1/tickets/{mine['id']}", api.auth(requester)),
        (f"/v1/tickets/{theirs['id']}", api.auth(requester)),  # 404: not theirs to see
        ("/v1/tickets/999999", api.admin),
        (f"/v1/tickets/{mine['id']}", {**api.admin, "If-None-Match": etag}),
        (f"/v1/tickets/{mine['id']}", {**api.admin, "If-None-Match": f'W/{etag}, "x"'}),
        (f"/v1/tickets/{mine['id']}", {**api.admin, "If-None-Match": "*"}),
        (f"/v1/tickets/{mine['id']}", {**api.admin, "If-None-Match": '"1-999"'}),
        (f"/v1/tickets/{mine['id']}", {"Authorization": "Bearer tsr_unknown-token-secret"}),
        (f"/v1/tickets/{mine['id']}", {"Authorization": f"bearer  {ADMIN_SECRET} "}),
        (f"/v1/tickets/{mine['id']}", {"Authorization": "Basic abc"}),
        (f"/v1/tickets/{mine['id']}", {}),
        (f"/v1/tickets/0{mine['id']}", api.admin),
        ("/v1/tickets/0", api.admin),
        ("/v1/tickets/9223372036854775808", api.admin),
        (f"/v1/tickets/{mine['id']}?unused=1", api.admin),
    ]
    statuses = await _same_as_framework(api, cases, _answer)
    assert statuses == [200, 200, 200, 404, 404, 304, 304, 304, 200, 401, 200, 401, 401, 200,
                        422, 422, 200]  # fmt: skip


async def test_a_change_is_served_at_once_not_an_older_body(api: Api) -> None:
    ticket = await api.create_ticket()
    path = f"/v1/tickets/{ticket['id']}"
    before = await api.client.get(path, headers=api.admin)
    changed = await api.client.patch(path, headers=api.admin, json={"title": "A new title"})
    after = await api.client.get(path, headers=api.admin)
    assert changed.status_code == 200
    assert before.json()["title"] != after.json()["title"] == "A new title"
    assert after.headers["etag"] == changed.headers["etag"] != before.headers["etag"]


async def test_every_list_answer_matches_the_framework_route(api: Api) -> None:
    await api.create_ticket(customer_email="ann@example.com", priority="high", tags=["vpn"])
    await api.create_ticket(customer_email="ann@example.com")
    await api.create_ticket(customer_email="bob@example.com", priority="low")
    requester = await api.token("requester", email="ann@example.com")
    agent = await api.token("agent")
    first = await api.client.get("/v1/tickets?limit=1&sort=priority", headers=api.admin)
    cursor = first.json()["next_cursor"]
    assert cursor is not None
    cases = [
        ("/v1/tickets", api.admin),
        ("/v1/tickets", api.auth(agent)),
        ("/v1/tickets", api.auth(requester)),  # only ann's
        ("/v1/tickets?status=open&limit=25", api.admin),
        ("/v1/tickets?status=open&status=pending&status=open", api.admin),
        ("/v1/tickets?limit=1&sort=priority", api.admin),  # links.next names the cursor
        (f"/v1/tickets?limit=1&sort=priority&cursor={cursor}", api.admin),
        (f"/v1/tickets?limit=1&cursor={cursor}", api.admin),  # another sort's: 422
        ("/v1/tickets?cursor=not-a-cursor", api.admin),
        ("/v1/tickets?priority=high&assignee_id=none&tag=%20VPN%20", api.admin),
        ("/v1/tickets?customer_email=ANN@example.com", api.admin),
        ("/v1/tickets?customer_email=bob@example.com", api.auth(requester)),  # nothing
        ("/v1/tickets?assignee_id=7&sort=-updated_at", api.admin),
        # Read by the framework: refused, or spelled in a way only it reads.
        ("/v1/tickets?limit=0", api.admin),
        ("/v1/tickets?limit=101", api.admin),
        ("/v1/tickets?limit=025", api.admin),
        ("/v1/tickets?status=bogus", api.admin),
        ("/v1/tickets?status=", api.admin),
        ("/v1/tickets?priority=high&priority=low", api.admin),
        ("/v1/tickets?tag=%00", api.admin),
        ("/v1/tickets?tag=" + "x" * 51, api.admin),
        ("/v1/tickets?assignee_id=-1", api.admin),
        ("/v1/tickets?sla=breached&q=printer", api.admin),
        ("/v1/tickets?unused=1", api.admin),
        ("/v1/tickets", {"Authorization": "Bearer tsr_unknown-token-secret"}),
        ("/v1/tickets", {"Authorization": "Basic abc"}),
        ("/v1/tickets", {}),
    ]
    statuses = await _same_as_framework(api, cases, _answer)
    assert statuses == [200, 200, 200, 200, 200, 200, 200, 422, 422, 200, 200, 200, 200,
                        422, 422, 200, 422, 422, 200, 422, 422, 422, 200, 200, 401, 401,
                        401]  # fmt: skip


def test_the_list_query_is_read_here_only_when_it_reads_the_same_as_in_the_route() -> None:
    parsed = TicketListQuery.parse(b"status=open&status=pending&limit=2&tag=%20VPN&sort=priority")
    assert parsed == ListTickets(
        statuses=(Status.OPEN, Status.PENDING), limit=2, tag="vpn", sort=TicketSort.PRIORITY
    )
    assert TicketListQuery.parse(b"") == ListTickets()
    assert TicketListQuery.parse(b"assignee_id=none") == ListTickets(unassigned=True)
    assert TicketListQuery.parse(b"assignee_id=12") == ListTickets(assignee_id=12)
    for left_to_the_route in (
        b"limit=0",
        b"limit=025",
        b"limit=101",
        b"status=",
        b"status=Open",
        b"sort=-priority",
        b"q=printer",
        b"sla=breached",
        b"include=users",
        b"limit=2&limit=3",
        b"tag=a%00b",
        b"cursor=" + b"x" * 513,
    ):
        assert TicketListQuery.parse(left_to_the_route) is None, left_to_the_route


def _json(**fields: Any) -> bytes:
    return orjson.dumps(fields)


async def _created(
    app: FastAPI, body: bytes, headers: dict[str, str], *, path: str = "/v1/tickets"
) -> tuple[int, dict[str, str], Any]:
    """A POST's answer, with what must differ between two new tickets left out (the id and
    what names it, the moments)."""
    transport = httpx.ASGITransport(app=app)
    sent = {"Content-Type": "application/json", "X-Request-ID": "same-id", **headers}
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        response = await client.post(path, content=body, headers=sent)
    varying = _VARYING | {"location", "etag", "content-length"}
    kept = {k: v for k, v in response.headers.items() if k not in varying}
    answer = response.json()
    if response.status_code == 201:
        answer = {k: v for k, v in answer.items() if k != "id" and not k.endswith("_at")}
    return response.status_code, kept, answer


async def test_every_new_ticket_answer_matches_the_framework_route(api: Api) -> None:
    await api.create_ticket(customer_email="Ann@example.com")  # holds its look-alikes
    requester = await api.token("requester", email="cat@example.com")
    valid = _json(title="Printer", description="It is on fire.", customer_email="dan@example.com")
    cases = [
        (valid, api.admin),
        (
            _json(title="VPN", description="It is down again.", customer_email="dan@example.com",
                  priority="high", tags=["VPN", "vpn"], channel="portal"),
            api.admin,
        ),
        (_json(title="Mine", description="It is mine, really.", customer_email="cat@example.com"),
         api.auth(requester)),
        (valid, api.auth(requester)),  # another customer's address: 403
        (b'{"title": "x", "description": "A look-alike.", "customer_email": "ann@example.com"}',
         api.admin),
        (valid, {"Authorization": "Bearer tsr_unknown-token-secret"}),
        (valid, {}),
        # Read by the framework: not JSON to the letter, or refused by the model.
        (b'{"title": ', api.admin),
        (b"", api.admin),
        (b"[]", api.admin),
        (b'{"title": "t", "description": "d", "customer_email": "not an address"}', api.admin),
        (b'{"title": "t", "description": "d"}', api.admin),
        (b'{"title": "t", "description": "d", "customer_email": "a@example.com", "x": 1}',
         api.admin),
        (b'{"title": null, "description": "d", "customer_email": "a@example.com"}', api.admin),
        (b'{"title": "\\ud800", "description": "d", "customer_email": "a@example.com"}',
         api.admin),
        (b'{"title": "' + b"t" * 300 + b'", "description": "d", "customer_email": "a@b.io"}',
         api.admin),
        (valid, {"Authorization": "Bearer tsr_unknown-token-secret", "Content-Type": "text/plain"}),
    ]  # fmt: skip
    statuses = await _same_as_framework(api, cases, _created)
    assert statuses == [201, 201, 201, 403, 409, 401, 401, 400, 422, 422, 422, 422, 422, 422,
                        422, 422, 415]  # fmt: skip


async def test_a_new_ticket_is_answered_without_the_framework(api: Api) -> None:
    """A body the model accepts never reaches the routes; one it refuses reaches them whole."""
    app = create_app(api.container.services)
    reached: list[bytes] = []
    inner = _only_the_shortcut(app, reached)
    body = _json(title="Printer", description="It is on fire.", customer_email="eve@example.com")
    status, _, answer = await _created(inner, body, api.admin)
    assert (status, answer["title"], reached) == (201, "Printer", [])
    created = await api.client.get("/v1/tickets?customer_email=eve@example.com", headers=api.admin)
    assert [t["title"] for t in created.json()["data"]] == ["Printer"]
    refused = b'{"title": "t", "description": "d"}'
    assert (await _created(inner, refused, api.admin))[0] == 418
    assert reached == [refused]


def _only_the_shortcut(app: FastAPI, reached: list[bytes]) -> Any:
    """The app whose routes are replaced by one that notes the body it was given (and 418)."""

    async def routes(scope: Any, receive: Any, send: Any) -> None:
        message = await receive()
        reached.append(message["body"])
        await send({"type": "http.response.start", "status": 418, "headers": []})
        await send({"type": "http.response.body", "body": b'{"teapot": true}'})

    cls: object = TicketReadShortcut
    shortcut = next(m for m in app.user_middleware if m.cls is cls)
    options: dict[str, Any] = dict(shortcut.kwargs)
    inner = TicketReadShortcut(routes, **options)

    async def with_state(scope: Any, receive: Any, send: Any) -> None:
        scope.setdefault("state", {})["request_id"] = "same-id"
        await inner(scope, receive, send)

    return with_state
