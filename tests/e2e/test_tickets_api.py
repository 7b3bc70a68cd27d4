"""Ticket routes: the happy paths, ETags, filters and pagination, and who sees what."""

from __future__ import annotations

from tests.e2e.conftest import Api


async def test_create_returns_201_with_location_etag_and_the_ticket(api: Api) -> None:
    response = await api.client.post(
        "/v1/tickets",
        json={
            "title": "  Printer on fire  ",
            "description": "It is really on fire now.",
            "customer_email": "Bob@Example.COM",
            "tags": ["Hardware", "urgent"],
        },
        headers=api.admin,
    )
    assert response.status_code == 201
    ticket = response.json()
    assert response.headers["location"] == f"/v1/tickets/{ticket['id']}"
    assert response.headers["etag"] == f'"{ticket["id"]}-1"'
    assert ticket["title"] == "Printer on fire"
    assert ticket["customer_email"] == "Bob@example.com"
    assert ticket["priority"] == "medium"
    assert ticket["status"] == "open"
    assert ticket["tags"] == ["hardware", "urgent"]
    assert ticket["created_at"].endswith("Z")
    assert ticket["resolution_due_at"].endswith("Z")


async def test_get_honours_if_none_match(api: Api) -> None:
    ticket = await api.create_ticket()
    first = await api.client.get(f"/v1/tickets/{ticket['id']}", headers=api.admin)
    assert first.status_code == 200
    assert first.json() == ticket
    etag = first.headers["etag"]
    cached = await api.client.get(
        f"/v1/tickets/{ticket['id']}", headers={**api.admin, "If-None-Match": etag}
    )
    assert cached.status_code == 304
    assert cached.content == b""
    assert cached.headers["etag"] == etag


async def test_patch_with_if_match_changes_only_the_fields_sent(api: Api) -> None:
    ticket = await api.create_ticket(priority="low", tags=["a"])
    url = f"/v1/tickets/{ticket['id']}"
    response = await api.client.patch(
        url,
        json={"status": "in_progress", "priority": "critical"},
        headers={**api.admin, "If-Match": f'"{ticket["id"]}-1"'},
    )
    assert response.status_code == 200
    changed = response.json()
    assert (changed["status"], changed["priority"], changed["version"]) == (
        "in_progress",
        "critical",
        2,
    )
    assert changed["title"] == ticket["title"]
    assert changed["tags"] == ["a"]
    assert response.headers["etag"] == f'"{ticket["id"]}-2"'
    stale = await api.client.patch(
        url, json={"title": "x"}, headers={**api.admin, "If-Match": f'"{ticket["id"]}-1"'}
    )
    assert stale.status_code == 412
    assert stale.json()["code"] == "precondition_failed"


async def test_patch_unassigns_with_null_and_refuses_null_for_other_fields(api: Api) -> None:
    ticket = await api.create_ticket()
    url = f"/v1/tickets/{ticket['id']}"
    admin_id = 1
    assigned = await api.client.patch(url, json={"assignee_id": admin_id}, headers=api.admin)
    assert assigned.json()["assignee_id"] == admin_id
    cleared = await api.client.patch(url, json={"assignee_id": None}, headers=api.admin)
    assert cleared.json()["assignee_id"] is None
    refused = await api.client.patch(url, json={"title": None}, headers=api.admin)
    assert refused.status_code == 422
    assert refused.json()["details"][0]["field"] == "title"


async def test_delete_is_admin_only_and_the_ticket_is_gone(api: Api) -> None:
    agent = await api.token("agent")
    ticket = await api.create_ticket()
    url = f"/v1/tickets/{ticket['id']}"
    assert (await api.client.delete(url, headers=api.auth(agent))).status_code == 403
    deleted = await api.client.delete(url, headers=api.admin)
    assert deleted.status_code == 204
    assert deleted.content == b""
    assert (await api.client.get(url, headers=api.admin)).status_code == 404


async def test_list_filters_combine(api: Api) -> None:
    await api.create_ticket(priority="high", tags=["billing"])
    await api.create_ticket(priority="high", tags=["login"], customer_email="eve@example.com")
    low = await api.create_ticket(priority="low", tags=["billing"])
    await api.client.patch(
        f"/v1/tickets/{low['id']}", json={"status": "pending"}, headers=api.admin
    )

    async def ids(**params: object) -> list[int]:
        response = await api.client.get("/v1/tickets", params=params, headers=api.admin)  # type: ignore[arg-type]
        assert response.status_code == 200, response.text
        return [t["id"] for t in response.json()["data"]]

    assert await ids(priority="high") == [2, 1]
    assert await ids(tag="billing") == [3, 1]
    assert await ids(tag="billing", priority="high") == [1]
    assert await ids(status=["open", "pending"]) == [3, 2, 1]
    assert await ids(status="pending") == [3]
    assert await ids(customer_email="EVE@example.com") == [2]
    assert await ids(assignee_id=1) == []
    assert await ids(sort="priority") == [1, 2, 3]


async def test_pages_walk_every_ticket_once_in_each_sort_order(api: Api) -> None:
    for i in range(7):
        await api.create_ticket(priority=["low", "high", "critical"][i % 3])
    for sort in ("created_at", "-created_at", "updated_at", "-updated_at", "priority"):
        seen: list[int] = []
        cursor = None
        while True:
            params: dict[str, object] = {"limit": 3, "sort": sort}
            if cursor:
                params["cursor"] = cursor
            body = (await api.client.get("/v1/tickets", params=params, headers=api.admin)).json()  # type: ignore[arg-type]
            seen += [t["id"] for t in body["data"]]
            cursor = body["next_cursor"]
            if cursor is None:
                break
        assert sorted(seen) == list(range(1, 8)), sort
        assert len(seen) == 7, sort


async def test_requesters_see_only_their_own_tickets(api: Api) -> None:
    bob = await api.token("requester", email="bob@example.com")
    eve = await api.token("requester", email="eve@example.com")
    mine = await api.create_ticket(bob)
    other = await api.create_ticket(customer_email="eve@example.com")
    listed = (await api.client.get("/v1/tickets", headers=api.auth(bob))).json()["data"]
    assert [t["id"] for t in listed] == [mine["id"]]
    hidden = await api.client.get(f"/v1/tickets/{other['id']}", headers=api.auth(bob))
    assert hidden.status_code == 404
    assert hidden.json()["code"] == "ticket_not_found"
    seen = await api.client.get(f"/v1/tickets/{other['id']}", headers=api.auth(eve))
    assert seen.status_code == 200


async def test_tokens_are_listed_without_secrets_and_revocation_is_immediate(api: Api) -> None:
    secret = await api.token("agent", name="Grace")
    listed = (await api.client.get("/v1/tokens", headers=api.admin)).json()
    assert [t["name"] for t in listed["data"]] == ["bootstrap admin", "Grace"]
    assert all("token" not in t and "token_hash" not in t for t in listed["data"])
    assert (await api.client.get("/v1/tickets", headers=api.auth(secret))).status_code == 200
    revoked = await api.client.delete("/v1/tokens/2", headers=api.admin)
    assert revoked.status_code == 204
    assert (await api.client.get("/v1/tickets", headers=api.auth(secret))).status_code == 401


async def test_readiness_reports_the_database_at_head(api: Api) -> None:
    response = await api.client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["checks"]["database"]["status"] == "ok"
    assert (await api.client.get("/livez")).json() == {"status": "ok"}
