"""Every route x every role, with the exact status each must get.

Roles: anonymous (no token), a requester on their own ticket, another requester, an agent,
an admin. A requester asking for someone else's ticket gets 404, never 403, so existence
does not leak. Where a route acts on a record only the consumers create (a dead letter, a
webhook delivery), the row names one that does not exist: an admin's 404 shows that the
request got past authorization. `tests/unit/test_docs.py` checks that every route of the
app has a row here.
"""

from __future__ import annotations

import asyncio
from collections.abc import MutableMapping
from typing import Any

import pytest

from tessera.presentation.http.app import create_app
from tests.e2e.conftest import Api

ROLES = ("anonymous", "requester", "other_requester", "agent", "admin")


def _row(*statuses: int) -> dict[str, int]:
    return dict(zip(ROLES, statuses, strict=True))


# (method, path template, body, expected status per role)
MATRIX: list[tuple[str, str, dict[str, Any] | None, dict[str, int]]] = [
    (
        "POST",
        "/v1/tickets",
        {
            "title": "Locked out",
            "description": "No login today",
            "customer_email": "ada@example.com",
        },
        _row(401, 201, 403, 201, 201),
    ),
    ("GET", "/v1/tickets", None, _row(401, 200, 200, 200, 200)),
    ("GET", "/v1/tickets/{ticket}", None, _row(401, 200, 404, 200, 200)),
    ("PATCH", "/v1/tickets/{ticket}", {"priority": "high"}, _row(401, 403, 403, 200, 200)),
    ("GET", "/v1/tickets/{ticket}/comments", None, _row(401, 200, 404, 200, 200)),
    ("POST", "/v1/tickets/{ticket}/comments", {"body": "Hi"}, _row(401, 201, 404, 201, 201)),
    ("GET", "/v1/tickets/{ticket}/comments/{reply}", None, _row(401, 200, 404, 200, 200)),
    ("GET", "/v1/tickets/{ticket}/comments/{note}", None, _row(401, 404, 404, 200, 200)),
    ("GET", "/v1/tickets/{ticket}/history", None, _row(401, 403, 403, 200, 200)),
    ("POST", "/v1/uploads", {"any": "bytes"}, _row(401, 201, 201, 201, 201)),
    ("GET", "/v1/tickets/{ticket}/attachments", None, _row(401, 200, 404, 200, 200)),
    ("GET", "/v1/attachments/{reply_file}/content", None, _row(401, 200, 404, 200, 200)),
    ("GET", "/v1/attachments/{note_file}/content", None, _row(401, 404, 404, 200, 200)),
    ("POST", "/v1/tickets/{other}/merge", {"into": 1}, _row(401, 403, 403, 200, 200)),
    (
        "POST",
        "/v1/tickets/bulk",
        {"ids": [1], "changes": {"priority": "low"}},
        _row(401, 403, 403, 200, 200),
    ),
    ("GET", "/v1/events", None, _row(401, 403, 403, 200, 200)),
    ("GET", "/v1/events/stream", None, _row(401, 403, 403, 200, 200)),
    ("GET", "/v1/tokens", None, _row(401, 403, 403, 403, 200)),
    ("POST", "/v1/tokens", {"name": "x", "role": "agent"}, _row(401, 403, 403, 403, 201)),
    ("DELETE", "/v1/tokens/{token}", None, _row(401, 403, 403, 403, 204)),
    ("GET", "/v1/dead-letters", None, _row(401, 403, 403, 403, 200)),
    ("POST", "/v1/dead-letters/1/replay", None, _row(401, 403, 403, 403, 404)),
    ("GET", "/v1/webhooks", None, _row(401, 403, 403, 403, 200)),
    (
        "POST",
        "/v1/webhooks",
        {"url": "https://hooks.example.com/x"},
        _row(401, 403, 403, 403, 201),
    ),
    ("GET", "/v1/webhooks/{webhook}", None, _row(401, 403, 403, 403, 200)),
    (
        "PATCH",
        "/v1/webhooks/{webhook}",
        {"description": "renamed"},
        _row(401, 403, 403, 403, 200),
    ),
    ("POST", "/v1/webhooks/{webhook}/rotate-secret", None, _row(401, 403, 403, 403, 200)),
    ("DELETE", "/v1/webhooks/{webhook}", None, _row(401, 403, 403, 403, 204)),
    ("GET", "/v1/webhooks/{webhook}/deliveries", None, _row(401, 403, 403, 403, 200)),
    (
        "POST",
        "/v1/webhooks/{webhook}/deliveries/1/redeliver",
        None,
        _row(401, 403, 403, 403, 404),
    ),
    ("GET", "/v1/mailboxes", None, _row(401, 403, 403, 403, 200)),
    (
        "POST",
        "/v1/mailboxes",
        {"address": "help@example.com", "intake": {"kind": "lmtp"}},
        _row(401, 403, 403, 403, 201),
    ),
    ("GET", "/v1/mailboxes/{mailbox}", None, _row(401, 403, 403, 403, 200)),
    (
        "PUT",
        "/v1/mailboxes/{mailbox}",
        {"address": "moved@example.com", "intake": {"kind": "lmtp"}},
        _row(401, 403, 403, 403, 200),
    ),
    ("DELETE", "/v1/mailboxes/{mailbox}", None, _row(401, 403, 403, 403, 204)),
    ("GET", "/v1/mailboxes/{mailbox}/messages", None, _row(401, 403, 403, 403, 200)),
    ("DELETE", "/v1/tickets/{victim}", None, _row(401, 403, 403, 403, 204)),
    (
        "POST",
        "/v1/users",
        {"name": "New", "email": "new@support.example.com", "role": "agent"},
        _row(401, 403, 403, 403, 201),
    ),
    ("GET", "/v1/users", None, _row(401, 403, 403, 200, 200)),
    ("GET", "/v1/users/me", None, _row(401, 200, 200, 200, 200)),
    ("GET", "/v1/users/{own_user}", None, _row(401, 200, 404, 200, 200)),
    ("PATCH", "/v1/users/{user}", {"name": "Renamed"}, _row(401, 403, 403, 403, 200)),
    ("POST", "/v1/organizations", {"name": "Org"}, _row(401, 403, 403, 403, 201)),
    ("GET", "/v1/organizations", None, _row(401, 403, 403, 200, 200)),
    ("GET", "/v1/organizations/{organization}", None, _row(401, 404, 404, 200, 200)),
    (
        "PATCH",
        "/v1/organizations/{organization}",
        {"shared_tickets": True},
        _row(401, 403, 403, 403, 200),
    ),
    ("POST", "/v1/groups", {"name": "Tier 2"}, _row(401, 403, 403, 403, 201)),
    ("GET", "/v1/groups", None, _row(401, 403, 403, 200, 200)),
    ("GET", "/v1/groups/{group}", None, _row(401, 403, 403, 200, 200)),
    ("PATCH", "/v1/groups/{group}", {"name": "Tier 3"}, _row(401, 403, 403, 403, 200)),
    ("POST", "/v1/groups/{group}/members", {"user_id": 0}, _row(401, 403, 403, 403, 204)),
    ("GET", "/v1/groups/{group}/members", None, _row(401, 403, 403, 200, 200)),
    ("DELETE", "/v1/groups/{group}/members/{member}", None, _row(401, 403, 403, 403, 204)),
    ("PATCH", "/v1/users/me", {"time_zone": "Europe/Berlin"}, _row(401, 200, 200, 200, 200)),
    ("GET", "/livez", None, _row(200, 200, 200, 200, 200)),
    ("GET", "/readyz", None, _row(200, 200, 200, 200, 200)),
    ("GET", "/metrics", None, _row(200, 200, 200, 200, 200)),
]

# Routes whose answer never ends (Server-Sent Events): only the status line is awaited.
STREAMING = frozenset({"/v1/events/stream"})


async def _comment(api: Api, ticket_id: int, *, public: bool) -> tuple[int, int]:
    """A comment by an admin with one file; its id and the file's."""
    uploaded = await api.client.post(
        "/v1/uploads",
        params={"filename": "a.txt"},
        content=b"attached words",
        headers=api.admin | {"Content-Type": "text/plain"},
    )
    assert uploaded.status_code == 201, uploaded.text
    response = await api.client.post(
        f"/v1/tickets/{ticket_id}/comments",
        json={
            "body": "A reply" if public else "An internal note",
            "public": public,
            "uploads": [uploaded.json()["token"]],
        },
        headers=api.admin,
    )
    assert response.status_code == 201, response.text
    comment_id: int = response.json()["id"]
    file_id: int = response.json()["attachments"][0]["id"]
    return comment_id, file_id


async def _created_id(api: Api, path: str, body: dict[str, Any]) -> int:
    response = await api.client.post(path, json=body, headers=api.admin)
    assert response.status_code == 201, response.text
    created: int = response.json()["id"]
    return created


async def _people(api: Api, n: int) -> dict[str, int]:
    """A fresh agent, organization and group, and a member of the group."""
    user = await _created_id(
        api,
        "/v1/users",
        {"name": "Agent", "email": f"agent{n}@support.example.com", "role": "agent"},
    )
    member = await _created_id(
        api,
        "/v1/users",
        {"name": "Member", "email": f"member{n}@support.example.com", "role": "agent"},
    )
    group = await _created_id(api, "/v1/groups", {"name": "Billing"})
    added = await api.client.post(
        f"/v1/groups/{group}/members", json={"user_id": member}, headers=api.admin
    )
    assert added.status_code == 204, added.text
    organization = await _created_id(api, "/v1/organizations", {"name": f"Org {n}"})
    return {"user": user, "member": member, "group": group, "organization": organization}


async def _stream_status(api: Api, path: str, headers: dict[str, str]) -> int:
    """The status of a response that streams for ever: the client hangs up once it starts.

    httpx's ASGI transport waits for the whole body, so the app is driven directly.
    """
    app = create_app(api.container.services)
    started: asyncio.Future[int] = asyncio.get_running_loop().create_future()
    request_sent = False

    async def receive() -> dict[str, Any]:
        nonlocal request_sent
        if not request_sent:
            request_sent = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await started  # the client disconnects once the status line has arrived
        return {"type": "http.disconnect"}

    async def send(message: MutableMapping[str, Any]) -> None:
        if message["type"] == "http.response.start" and not started.done():
            started.set_result(message["status"])

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        "server": ("tessera.test", 80),
        "client": ("127.0.0.1", 1234),
    }
    await asyncio.wait_for(app(scope, receive, send), timeout=30)
    return started.result()


@pytest.mark.parametrize(
    ("method", "template", "body", "expected"),
    MATRIX,
    ids=[f"{m} {t}" for m, t, _, _ in MATRIX],
)
async def test_each_role_gets_exactly_its_status(
    api: Api, method: str, template: str, body: dict[str, Any] | None, expected: dict[str, int]
) -> None:
    requester = await api.token("requester", email="ada@example.com")
    other = await api.token("requester", email="eve@example.com")
    agent = await api.token("agent")
    secrets = {
        "anonymous": None,
        "requester": requester,
        "other_requester": other,
        "agent": agent,
        "admin": None,
    }
    own = await api.client.get("/v1/users/me", headers=api.auth(requester))
    got = {}
    for n, role in enumerate(ROLES):
        # Fresh tickets for each role, so that one role's change cannot decide another's.
        ids = {
            name: (await api.create_ticket(customer_email="ada@example.com"))["id"]
            for name in ("ticket", "other", "victim")
        }
        for name, public in (("reply", True), ("note", False)):
            ids[name], ids[f"{name}_file"] = await _comment(api, ids["ticket"], public=public)
        ids["token"] = await _created_id(api, "/v1/tokens", {"name": "doomed", "role": "agent"})
        ids["webhook"] = await _created_id(
            api, "/v1/webhooks", {"url": "https://hooks.example.com/doomed"}
        )
        ids.update(await _people(api, n), own_user=own.json()["id"])
        ids["mailbox"] = await _created_id(
            api,
            "/v1/mailboxes",
            {"address": f"box-{role}@example.com", "intake": {"kind": "lmtp"}},
        )
        path = template.format(**ids)
        payload = dict(body) if body is not None else None
        if payload is not None and "into" in payload:
            payload["into"] = ids["ticket"]
        if payload is not None and "user_id" in payload:
            payload["user_id"] = ids["user"]
        if payload is not None and "ids" in payload:
            payload["ids"] = [ids["ticket"]]
        if role == "anonymous":
            headers: dict[str, str] = {}
        elif role == "admin":
            headers = api.admin
        else:
            headers = api.auth(secrets[role] or "")
        if path in STREAMING:
            got[role] = await _stream_status(api, path, headers)
            continue
        response = await api.client.request(method, path, json=payload, headers=headers)
        got[role] = response.status_code
    assert got == expected
