"""The hot ticket read, answered before the framework's routing, answers exactly as the
framework's route does: every status, header and body byte, for every kind of caller."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from tessera.presentation.http.app import create_app
from tessera.presentation.http.middleware.ticket_read import TicketReadShortcut
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
