"""The hot ticket reads (one ticket, a list), answered before the framework's routing, answer
exactly as the framework's routes do: every status, header and body byte, for every kind of
caller."""

from __future__ import annotations

import httpx
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
    services = api.container.services
    for path, headers in cases:
        shortcut = await _answer(create_app(services), path, headers)
        framework = await _answer(_without_shortcut(create_app(services)), path, headers)
        assert shortcut == framework, (path, headers)
    statuses = [(await _answer(create_app(services), p, h))[0] for p, h in cases]
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
    services = api.container.services
    for path, headers in cases:
        shortcut = await _answer(create_app(services), path, headers)
        framework = await _answer(_without_shortcut(create_app(services)), path, headers)
        assert shortcut == framework, (path, headers)
    statuses = [(await _answer(create_app(services), p, h))[0] for p, h in cases]
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
