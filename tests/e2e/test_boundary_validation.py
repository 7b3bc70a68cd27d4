"""Bad input is refused at the boundary with 422 naming the field, on every backend alike:
NUL characters, tampered cursors, out-of-range and non-ASCII numbers, malformed If-Match."""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from typing import Any

import httpx

from tests.e2e.conftest import Api

NUL = "\x00"
TICKET = {
    "title": "Printer",
    "description": "It does not print at all.",
    "customer_email": "bob@example.com",
}


def with_raw(headers: Mapping[str, str], name: str, value: str | bytes) -> dict[bytes, bytes]:
    """``headers`` plus one header whose value may be bytes that are not ASCII, as raw bytes."""
    raw = {key.encode("ascii"): text.encode("ascii") for key, text in headers.items()}
    raw[name.encode("ascii")] = value if isinstance(value, bytes) else value.encode("ascii")
    return raw


def refused(response: httpx.Response, field: str) -> str | None:
    """None when the answer is 422 validation_failed naming ``field``, else what it was."""
    if response.status_code != 422 or response.json()["code"] != "validation_failed":
        return f"{response.status_code} {response.text[:200]}"
    fields = [d["field"] for d in response.json()["details"]]
    if not any(f == field or f.startswith(f"{field}.") for f in fields):
        return f"422 naming {fields}, not {field}"
    return None


async def test_a_nul_character_is_refused_in_every_text_field_and_parameter(api: Api) -> None:
    requester = api.auth(await api.token("requester", email="bob@example.com"))
    ticket = await api.create_ticket(customer_email="bob@example.com")
    post, get = api.client.post, api.client.get
    comments = f"/v1/tickets/{ticket['id']}/comments"
    webhook = {"url": "https://hooks.example.com/x"}
    token = {"name": "n", "role": "requester", "email": "x@example.com"}
    places: list[tuple[str, Any]] = [
        ("title", post("/v1/tickets", json={**TICKET, "title": f"a{NUL}b"}, headers=requester)),
        (
            "description",
            post("/v1/tickets", json={**TICKET, "description": f"{NUL}" * 12}, headers=requester),
        ),
        (
            "customer_email",
            post(
                "/v1/tickets", json={**TICKET, "customer_email": f"b{NUL}@x.io"}, headers=requester
            ),
        ),
        ("tags", post("/v1/tickets", json={**TICKET, "tags": [f"a{NUL}"]}, headers=requester)),
        ("body", post(comments, json={"body": f"hi{NUL}"}, headers=requester)),
        ("q", get("/v1/tickets", params={"q": f"printer{NUL}"}, headers=requester)),
        ("customer_email", get("/v1/tickets", params={"customer_email": NUL}, headers=requester)),
        ("tag", get("/v1/tickets", params={"tag": f"a{NUL}"}, headers=requester)),
        ("cursor", get("/v1/tickets", params={"cursor": f"W10{NUL}"}, headers=requester)),
        (
            "title",
            api.client.patch(f"/v1/tickets/{ticket['id']}", json={"title": NUL}, headers=api.admin),
        ),
        ("type", get("/v1/events", params={"type": f"ticket.created{NUL}"}, headers=api.admin)),
        (
            "url",
            post(
                "/v1/webhooks", json={"url": f"https://hooks.example.com/{NUL}"}, headers=api.admin
            ),
        ),
        (
            "description",
            post("/v1/webhooks", json={**webhook, "description": NUL}, headers=api.admin),
        ),
        ("secret", post("/v1/webhooks", json={**webhook, "secret": NUL * 20}, headers=api.admin)),
        ("name", post("/v1/tokens", json={**token, "name": f"n{NUL}"}, headers=api.admin)),
        (
            "email",
            post("/v1/tokens", json={**token, "email": f"x{NUL}@example.com"}, headers=api.admin),
        ),
    ]
    problems = {}
    for field, request in places:
        problem = refused(await request, field)
        if problem is not None:
            problems[field] = problem
    assert problems == {}
    listed = (await get("/v1/tickets", headers=api.admin)).json()["data"]
    assert [t["id"] for t in listed] == [ticket["id"]]  # nothing was stored


def _cursor(*parts: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(parts)).encode()).decode().rstrip("=")


async def test_tampered_cursors_are_refused_naming_the_cursor(api: Api) -> None:
    ticket = await api.create_ticket()
    when = "2026-01-01T00:00:00+00:00"
    tickets = [
        ({"cursor": "garbage"}, "/v1/tickets"),
        ({"cursor": _cursor("priority", when, 5), "sort": "priority"}, "/v1/tickets"),
        ({"cursor": _cursor("-created_at", 3, 5)}, "/v1/tickets"),
        ({"cursor": _cursor("-created_at", when, 2**64)}, "/v1/tickets"),
        ({"cursor": _cursor("-created_at", when, True)}, "/v1/tickets"),
        ({"cursor": _cursor("-created_at", "0001-01-01T00:00:00+14:00", 5)}, "/v1/tickets"),
        ({"cursor": _cursor("priority", 2**40, 5), "sort": "priority"}, "/v1/tickets"),
        ({"cursor": "9" * 18}, f"/v1/tickets/{ticket['id']}/history"),
        ({"cursor": "١٢"}, f"/v1/tickets/{ticket['id']}/history"),
        ({"cursor": "١٢"}, f"/v1/tickets/{ticket['id']}/comments"),
        ({"cursor": "9" * 19}, "/v1/tokens"),
        ({"cursor": "9" * 19}, "/v1/webhooks"),
    ]
    problems = []
    for params, url in tickets:
        problem = refused(await api.client.get(url, params=params, headers=api.admin), "cursor")
        if problem is not None:
            problems.append((url, params, problem))
    assert problems == []


async def test_out_of_range_and_non_ascii_numbers_are_refused_naming_the_parameter(
    api: Api,
) -> None:
    ticket = await api.create_ticket()
    get = api.client.get
    answers = [
        ("ticket_id", await get(f"/v1/tickets/{2**63}", headers=api.admin)),
        ("ticket_id", await get("/v1/tickets/٣", headers=api.admin)),
        ("ticket_id", await get("/v1/tickets/²", headers=api.admin)),
        ("limit", await get("/v1/tickets", params={"limit": "²"}, headers=api.admin)),
        ("limit", await get("/v1/tickets", params={"limit": "9" * 20}, headers=api.admin)),
        ("assignee_id", await get("/v1/tickets", params={"assignee_id": "١٢"}, headers=api.admin)),
        (
            "into",
            await api.client.post(
                f"/v1/tickets/{ticket['id']}/merge", json={"into": True}, headers=api.admin
            ),
        ),
        (
            "ids",
            await api.client.post(
                "/v1/tickets/bulk", json={"ids": [1.0], "changes": {}}, headers=api.admin
            ),
        ),
    ]
    problems = [(field, p) for field, a in answers if (p := refused(a, field)) is not None]
    assert problems == []


async def test_if_match_is_parsed_strictly_and_a_stale_one_is_a_precondition_failure(
    api: Api,
) -> None:
    ticket = await api.create_ticket()
    url = f"/v1/tickets/{ticket['id']}"
    tid = ticket["id"]

    async def patch(if_match: str | bytes) -> httpx.Response:
        return await api.client.patch(
            url, json={"title": "x"}, headers=with_raw(api.admin, "If-Match", if_match)
        )

    malformed: list[str | bytes] = [
        f'"{tid}-{"9" * 20}"',
        f'"{tid}-2147483648"',
        f'"{tid}-²"'.encode("latin-1"),
        f'"{tid}-٣"'.encode(),
        f'"{tid}-1\t"',
    ]
    problems = [(m, p) for m in malformed if (p := refused(await patch(m), "If-Match"))]
    assert problems == []
    deleted = await api.client.delete(url, headers={**api.admin, "If-Match": f'"{tid}-{"9" * 20}"'})
    assert refused(deleted, "If-Match") is None
    for stale in (f'"{tid}-7"', f'"{tid + 1}-1"', f'W/"{tid}-0"', "garbage", f'"{tid}-x"'):
        answer = await patch(stale)
        assert answer.status_code == 412, (stale, answer.text)
        assert answer.json()["code"] == "precondition_failed"
    unreadable = with_raw(api.admin, "If-None-Match", b"\xb2garbage, *x")
    read = await api.client.get(url, headers=unreadable)
    assert read.status_code == 200
    assert (await patch(f'"{tid}-1"')).status_code == 200
