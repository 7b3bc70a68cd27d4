"""Helpdesk depth through the HTTP API on SQLite and PostgreSQL: the conversation, assignment,
tags, full-text search, SLA views, merging and bulk updates."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from tests.e2e.conftest import Api
from tests.support import FrozenClock


async def _comment(api: Api, ticket_id: int, secret: str, **body: Any) -> Any:
    return await api.client.post(
        f"/v1/tickets/{ticket_id}/comments", json=body, headers=api.auth(secret)
    )


async def _get(api: Api, path: str, secret: str | None = None, **params: Any) -> Any:
    headers = api.auth(secret) if secret else api.admin
    response = await api.client.get(path, params=params, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


async def _ids(api: Api, **params: Any) -> list[int]:
    return [t["id"] for t in (await _get(api, "/v1/tickets", **params))["data"]]


async def test_a_public_agent_reply_is_the_first_response_and_notes_stay_internal(
    api: Api,
) -> None:
    agent = await api.token("agent", name="Grace")
    customer = await api.token("requester", email="ada@example.com")
    stranger = await api.token("requester", email="eve@example.com")
    ticket = await api.create_ticket(customer, customer_email="ada@example.com")
    url = f"/v1/tickets/{ticket['id']}"

    note = await _comment(api, ticket["id"], agent, body="VIP customer, be quick.", public=False)
    assert note.status_code == 201
    assert (await _get(api, url))["first_responded_at"] is None  # a note is no response
    reply = await _comment(api, ticket["id"], agent, body="We are on it.")
    assert reply.status_code == 201
    assert reply.json()["public"] is True
    assert reply.headers["location"] == f"{url}/comments/{reply.json()['id']}"
    assert (await _get(api, url))["first_responded_at"] == reply.json()["created_at"]
    answer = await _comment(api, ticket["id"], customer, body="Thanks!")
    assert answer.status_code == 201

    staff_view = await _get(api, f"{url}/comments", agent)
    customer_view = await _get(api, f"{url}/comments", customer)
    assert [c["body"] for c in staff_view["data"]] == [
        "VIP customer, be quick.",
        "We are on it.",
        "Thanks!",
    ]
    assert [c["body"] for c in customer_view["data"]] == ["We are on it.", "Thanks!"]
    assert customer_view["data"][1]["author_role"] == "requester"

    refused_note = await _comment(api, ticket["id"], customer, body="psst", public=False)
    assert refused_note.status_code == 403
    for response in (
        await _comment(api, ticket["id"], stranger, body="Me too"),
        await api.client.get(f"{url}/comments", headers=api.auth(stranger)),
    ):
        assert response.status_code == 404
        assert response.json()["code"] == "ticket_not_found"
    empty = await _comment(api, ticket["id"], agent, body="   ")
    assert empty.status_code == 422

    history = await _get(api, f"{url}/history")
    commented = [e for e in history["data"] if e["type"] == "ticket.commented"]
    assert [e["data"]["public"] for e in commented] == [False, True, True]


async def test_a_new_comments_location_reads_it_under_the_threads_visibility_rules(
    api: Api,
) -> None:
    agent = await api.token("agent")
    customer = await api.token("requester", email="ada@example.com")
    stranger = await api.token("requester", email="eve@example.com")
    ticket = await api.create_ticket(customer, customer_email="ada@example.com")
    other = await api.create_ticket(customer, customer_email="ada@example.com")
    reply = await _comment(api, ticket["id"], agent, body="We are on it.")
    note = await _comment(api, ticket["id"], agent, body="VIP customer.", public=False)

    followed = await api.client.get(reply.headers["location"], headers=api.auth(customer))
    assert followed.status_code == 200, followed.text
    assert followed.json() == reply.json()
    assert (await _get(api, note.headers["location"], agent))["body"] == "VIP customer."

    hidden_note = await api.client.get(note.headers["location"], headers=api.auth(customer))
    foreign = await api.client.get(reply.headers["location"], headers=api.auth(stranger))
    wrong_ticket = await api.client.get(
        f"/v1/tickets/{other['id']}/comments/{reply.json()['id']}", headers=api.admin
    )
    unknown = await api.client.get(f"/v1/tickets/{ticket['id']}/comments/999", headers=api.admin)
    assert (hidden_note.status_code, hidden_note.json()["code"]) == (404, "comment_not_found")
    assert (foreign.status_code, foreign.json()["code"]) == (404, "ticket_not_found")
    assert (wrong_ticket.status_code, wrong_ticket.json()["code"]) == (404, "comment_not_found")
    assert (unknown.status_code, unknown.json()["code"]) == (404, "comment_not_found")


async def test_the_customer_replying_reopens_a_pending_ticket_and_closed_takes_no_comments(
    api: Api,
) -> None:
    customer = await api.token("requester", email="ada@example.com")
    ticket = await api.create_ticket(customer_email="ada@example.com")
    url = f"/v1/tickets/{ticket['id']}"
    await api.client.patch(url, json={"status": "pending"}, headers=api.admin)

    await _comment(api, ticket["id"], customer, body="Here is the screenshot.")
    assert (await _get(api, url))["status"] == "open"

    await api.client.patch(url, json={"status": "closed"}, headers=api.admin)
    closed = await _comment(api, ticket["id"], customer, body="One more thing")
    assert closed.status_code == 409
    assert closed.json()["code"] == "ticket_closed"


async def test_assignment_is_to_agents_and_filters_find_assigned_and_unassigned(
    api: Api,
) -> None:
    await api.token("agent", name="Grace")  # token id 2
    requester = await api.token("requester", email="ada@example.com")  # token id 3
    mine = await api.create_ticket()
    other = await api.create_ticket()

    assigned = await api.client.patch(
        f"/v1/tickets/{mine['id']}", json={"assignee_id": 2}, headers=api.admin
    )
    assert assigned.json()["assignee_id"] == 2
    to_requester = await api.client.patch(
        f"/v1/tickets/{other['id']}", json={"assignee_id": 3}, headers=api.admin
    )
    assert to_requester.status_code == 422
    assert requester  # a requester is no agent

    assert await _ids(api, assignee_id=2) == [mine["id"]]
    assert await _ids(api, assignee_id="none") == [other["id"]]
    bad = await api.client.get("/v1/tickets", params={"assignee_id": "x"}, headers=api.admin)
    assert bad.status_code == 422
    events = (await _get(api, f"/v1/tickets/{mine['id']}/history"))["data"]
    assert events[-1]["type"] == "ticket.assigned"
    assert events[-1]["data"] == {"old": None, "new": 2}


async def test_tags_are_added_and_removed_and_bounded(api: Api) -> None:
    ticket = await api.create_ticket(tags=["login", "web"])
    url = f"/v1/tickets/{ticket['id']}"

    changed = await api.client.patch(
        url, json={"add_tags": ["VIP"], "remove_tags": ["web"]}, headers=api.admin
    )
    assert changed.json()["tags"] == ["login", "vip"]
    too_many = await api.client.patch(
        url, json={"add_tags": [f"t{n}" for n in range(19)]}, headers=api.admin
    )
    assert too_many.status_code == 422
    assert (await _get(api, url))["tags"] == ["login", "vip"]
    assert await _ids(api, tag="vip") == [ticket["id"]]


async def test_full_text_search_covers_title_description_and_comments(api: Api) -> None:
    printer = await api.create_ticket(title="Printer jammed", description="Paper stuck inside.")
    login = await api.create_ticket(title="Cannot log in", description="Password refused again.")
    other = await api.create_ticket(title="Invoice question", description="Wrong amount billed.")
    agent = await api.token("agent")
    await _comment(api, other["id"], agent, body="Forwarded to the finance team.")
    await api.client.patch(
        f"/v1/tickets/{login['id']}", json={"status": "pending"}, headers=api.admin
    )

    assert await _ids(api, q="printer") == [printer["id"]]
    assert await _ids(api, q="password") == [login["id"]]
    assert await _ids(api, q="finance") == [other["id"]]
    assert await _ids(api, q="paper stuck") == [printer["id"]]
    assert await _ids(api, q="paper finance") == []
    assert await _ids(api, q="password", status="open") == []
    assert await _ids(api, q='"quoted" AND (weird) -syntax*') == []  # never a syntax error

    jammed = await api.create_ticket(title="Scanner jammed", description="Paper stuck again.")
    first = await _get(api, "/v1/tickets", q="jammed", limit=1)
    rest = await _get(api, "/v1/tickets", q="jammed", limit=1, cursor=first["next_cursor"])
    assert [t["id"] for t in first["data"] + rest["data"]] == [jammed["id"], printer["id"]]
    assert rest["next_cursor"] is None


async def test_each_filter_alone_and_combined(api: Api) -> None:
    agent = await api.token("agent")  # id 2
    a = await api.create_ticket(priority="high", tags=["billing"], title="Refund please")
    b = await api.create_ticket(priority="high", customer_email="eve@example.com")
    c = await api.create_ticket(priority="low", tags=["billing"])
    await api.client.patch(f"/v1/tickets/{b['id']}", json={"assignee_id": 2}, headers=api.admin)
    await api.client.patch(f"/v1/tickets/{c['id']}", json={"status": "pending"}, headers=api.admin)
    assert agent

    cases: list[tuple[dict[str, Any], list[int]]] = [
        ({"status": "open"}, [b["id"], a["id"]]),
        ({"status": ["open", "pending"]}, [c["id"], b["id"], a["id"]]),
        ({"priority": "high"}, [b["id"], a["id"]]),
        ({"assignee_id": 2}, [b["id"]]),
        ({"assignee_id": "none"}, [c["id"], a["id"]]),
        ({"tag": "billing"}, [c["id"], a["id"]]),
        ({"customer_email": "EVE@example.com"}, [b["id"]]),
        ({"q": "refund"}, [a["id"]]),
        ({"tag": "billing", "priority": "high"}, [a["id"]]),
        ({"tag": "billing", "status": "pending", "assignee_id": "none"}, [c["id"]]),
        ({"priority": "high", "assignee_id": "none", "q": "refund"}, [a["id"]]),
        ({"priority": "low", "status": "open"}, []),
    ]
    for params, expected in cases:
        assert await _ids(api, **params) == expected, params


async def test_sla_views_follow_the_clock(clocked_api: Api, clock: FrozenClock) -> None:
    api = clocked_api
    critical = await api.create_ticket(priority="critical")  # first response due in 1 h
    high = await api.create_ticket(priority="high")  # due in 4 h
    paused = await api.create_ticket(priority="critical")
    await api.client.patch(
        f"/v1/tickets/{paused['id']}", json={"status": "pending"}, headers=api.admin
    )

    clock.advance(minutes=30)
    assert await _ids(api, sla="at_risk") == [critical["id"]]
    assert await _ids(api, sla="breached") == []

    clock.advance(hours=1)
    assert await _ids(api, sla="breached") == [critical["id"]]
    clock.advance(hours=2)
    assert await _ids(api, sla="at_risk") == [high["id"]]

    agent = await api.token("agent")
    await _comment(api, critical["id"], agent, body="Looking into it now.")
    assert await _ids(api, sla="breached") == []  # first response given; resolution at 4 h


async def test_a_priority_change_recomputes_due_dates(clocked_api: Api, clock: FrozenClock) -> None:
    ticket = await clocked_api.create_ticket(priority="low")
    clock.advance(hours=1)
    changed = await clocked_api.client.patch(
        f"/v1/tickets/{ticket['id']}", json={"priority": "critical"}, headers=clocked_api.admin
    )
    body = changed.json()
    created = clock.current - timedelta(hours=1)
    assert body["first_response_due_at"] == (created + timedelta(hours=1)).isoformat().replace(
        "+00:00", "Z"
    )


async def test_merging_closes_the_duplicate_and_keeps_its_comments_readable(api: Api) -> None:
    agent = await api.token("agent")
    kept = await api.create_ticket(title="Login broken")
    duplicate = await api.create_ticket(title="Login broken again")
    await _comment(api, duplicate["id"], agent, body="Same as the other one.")

    merged = await api.client.post(
        f"/v1/tickets/{duplicate['id']}/merge", json={"into": kept["id"]}, headers=api.admin
    )
    assert merged.status_code == 200
    assert merged.json()["id"] == kept["id"]
    source = await _get(api, f"/v1/tickets/{duplicate['id']}")
    assert (source["status"], source["merged_into_id"]) == ("closed", kept["id"])
    thread = await _get(api, f"/v1/tickets/{kept['id']}/comments")
    assert [c["body"] for c in thread["data"]] == ["Same as the other one."]
    for ticket_id in (kept["id"], duplicate["id"]):
        events = (await _get(api, f"/v1/tickets/{ticket_id}/history"))["data"]
        merge_events = [e for e in events if e["type"] == "ticket.merged"]
        assert [e["data"] for e in merge_events] == [
            {"source_id": duplicate["id"], "target_id": kept["id"]}
        ]

    again = await api.client.post(
        f"/v1/tickets/{duplicate['id']}/merge", json={"into": kept["id"]}, headers=api.admin
    )
    assert again.status_code == 409
    itself = await api.client.post(
        f"/v1/tickets/{kept['id']}/merge", json={"into": kept["id"]}, headers=api.admin
    )
    assert itself.status_code == 422
    missing = await api.client.post(
        f"/v1/tickets/{kept['id']}/merge", json={"into": 999}, headers=api.admin
    )
    assert missing.status_code == 404


async def test_bulk_update_is_all_or_nothing(api: Api) -> None:
    tickets = [await api.create_ticket() for _ in range(3)]
    ids = [t["id"] for t in tickets]

    bad_id = await api.client.post(
        "/v1/tickets/bulk",
        json={"ids": [*ids, 999], "changes": {"status": "in_progress"}},
        headers=api.admin,
    )
    assert bad_id.status_code == 422
    assert bad_id.json()["details"] == [{"field": "ids", "message": "ticket 999 does not exist"}]
    await api.client.patch(f"/v1/tickets/{ids[0]}", json={"status": "closed"}, headers=api.admin)
    bad_move = await api.client.post(
        "/v1/tickets/bulk", json={"ids": ids, "changes": {"status": "pending"}}, headers=api.admin
    )
    assert bad_move.status_code == 409
    for ticket_id in ids[1:]:
        unchanged = await _get(api, f"/v1/tickets/{ticket_id}")
        assert (unchanged["status"], unchanged["version"]) == ("open", 1)

    done = await api.client.post(
        "/v1/tickets/bulk",
        json={"ids": ids[1:], "changes": {"priority": "high", "add_tags": ["outage"]}},
        headers=api.admin,
    )
    assert done.status_code == 200
    assert [(t["priority"], t["tags"]) for t in done.json()["data"]] == [
        ("high", ["outage"]),
        ("high", ["outage"]),
    ]
    for ticket_id in ids[1:]:
        events = (await _get(api, f"/v1/tickets/{ticket_id}/history"))["data"]
        assert events[-1]["type"] == "ticket.updated"
    too_many = await api.client.post(
        "/v1/tickets/bulk",
        json={"ids": list(range(1, 102)), "changes": {"priority": "low"}},
        headers=api.admin,
    )
    assert too_many.status_code == 422
    agent_only = await api.token("requester", email="ada@example.com")
    refused = await api.client.post(
        "/v1/tickets/bulk",
        json={"ids": ids, "changes": {"priority": "low"}},
        headers=api.auth(agent_only),
    )
    assert refused.status_code == 403


async def test_the_openapi_document_describes_the_helpdesk_with_examples(api: Api) -> None:
    document = (await api.client.get("/openapi.json")).json()
    paths = document["paths"]
    listing = {p["name"]: p for p in paths["/v1/tickets"]["get"]["parameters"]}
    assert {"q", "sla", "assignee_id", "tag", "sort", "cursor"} <= set(listing)
    assert listing["q"]["description"]
    assert "/v1/tickets/{ticket_id}/comments" in paths
    assert "/v1/tickets/{ticket_id}/merge" in paths
    assert "/v1/tickets/bulk" in paths
    schemas = document["components"]["schemas"]
    for name in (
        "CommentCreateRequest",
        "CommentResponse",
        "MergeRequest",
        "BulkUpdateRequest",
        "TicketUpdateRequest",
    ):
        assert schemas[name].get("examples"), name
    merge_errors = paths["/v1/tickets/{ticket_id}/merge"]["post"]["responses"]
    assert {"404", "409", "422"} <= set(merge_errors)
