"""Tickets and people (SPEC §13), on SQLite and PostgreSQL: the address names the requester
(found or created, joining the organization of its domain), groups route tickets, and the
assignee is an active agent in the ticket's group."""

from __future__ import annotations

from typing import Any

from tests.e2e.conftest import Api
from tests.e2e.test_people_api import assert_envelope, create_user


async def create_group(api: Api, name: str, *members: int) -> int:
    response = await api.client.post("/v1/groups", json={"name": name}, headers=api.admin)
    assert response.status_code == 201, response.text
    group_id: int = response.json()["id"]
    for member in members:
        added = await api.client.post(
            f"/v1/groups/{group_id}/members", json={"user_id": member}, headers=api.admin
        )
        assert added.status_code == 204, added.text
    return group_id


async def patch(api: Api, ticket_id: int, **changes: Any) -> Any:
    return await api.client.patch(f"/v1/tickets/{ticket_id}", json=changes, headers=api.admin)


async def test_the_address_finds_or_creates_the_requester_who_joins_by_domain(api: Api) -> None:
    acme = await api.client.post(
        "/v1/organizations", json={"name": "Acme", "domains": ["acme.example"]}, headers=api.admin
    )
    first = await api.create_ticket(customer_email="ada@acme.example", channel="email")
    second = await api.create_ticket(customer_email="ada@acme.example")
    assert first["requester_id"] == second["requester_id"] is not None
    assert first["customer_email"] == "ada@acme.example"
    assert (first["channel"], second["channel"]) == ("email", "api")
    requester = await api.client.get(f"/v1/users/{first['requester_id']}", headers=api.admin)
    assert requester.json()["role"] == "customer"
    assert requester.json()["organization_id"] == acme.json()["id"]
    elsewhere = await api.create_ticket(customer_email="bob@elsewhere.example")
    bob = await api.client.get(f"/v1/users/{elsewhere['requester_id']}", headers=api.admin)
    assert bob.json()["organization_id"] is None
    bad = await api.client.post(
        "/v1/tickets",
        json={
            "title": "x",
            "description": "long enough text",
            "customer_email": "c@example.com",
            "channel": "fax",
        },
        headers=api.admin,
    )
    assert_envelope(bad, 422, "validation_failed")


async def test_a_customers_own_token_files_tickets_as_themselves(api: Api) -> None:
    secret = await api.token("requester", email="ada@example.com")
    me = (await api.client.get("/v1/users/me", headers=api.auth(secret))).json()
    ticket = await api.create_ticket(secret, customer_email="ada@example.com")
    assert ticket["requester_id"] == me["id"]


async def test_the_assignee_must_be_an_active_agent_in_the_tickets_group(api: Api) -> None:
    grace = await create_user(api)
    alan = await create_user(api, name="Alan", email="alan@support.example.com")
    billing = await create_group(api, "Billing", grace["id"])
    ticket = await api.create_ticket(group_id=billing)
    assert ticket["group_id"] == billing

    outsider = await patch(api, ticket["id"], assignee_id=alan["id"])
    body = assert_envelope(outsider, 422, "validation_failed")
    assert body["details"][0]["field"] == "assignee_id"
    assigned = await patch(api, ticket["id"], assignee_id=grace["id"])
    assert assigned.status_code == 200 and assigned.json()["assignee_id"] == grace["id"]
    # Moving the ticket to a group its assignee is not in is refused as well.
    tier2 = await create_group(api, "Tier 2", alan["id"])
    assert_envelope(await patch(api, ticket["id"], group_id=tier2), 422, "validation_failed")
    moved = await patch(api, ticket["id"], group_id=tier2, assignee_id=alan["id"])
    assert (moved.json()["group_id"], moved.json()["assignee_id"]) == (tier2, alan["id"])
    assert_envelope(await patch(api, ticket["id"], group_id=999), 422, "validation_failed")
    customer = await api.client.get(f"/v1/users/{ticket['requester_id']}", headers=api.admin)
    not_agent = await patch(api, ticket["id"], group_id=None, assignee_id=customer.json()["id"])
    assert_envelope(not_agent, 422, "validation_failed")
    await api.client.patch(f"/v1/users/{alan['id']}", json={"active": False}, headers=api.admin)
    inactive = await patch(api, ticket["id"], group_id=None, assignee_id=None)
    assert inactive.status_code == 200
    assert_envelope(
        await patch(api, ticket["id"], assignee_id=alan["id"]), 422, "validation_failed"
    )


async def test_an_unknown_group_on_create_is_422(api: Api) -> None:
    response = await api.client.post(
        "/v1/tickets",
        json={
            "title": "Printer",
            "description": "It is really on fire now.",
            "customer_email": "bob@example.com",
            "group_id": 4242,
        },
        headers=api.admin,
    )
    body = assert_envelope(response, 422, "validation_failed")
    assert body["details"][0]["field"] == "group_id"


async def test_a_group_change_is_reported_in_ticket_updated(api: Api) -> None:
    billing = await create_group(api, "Billing")
    ticket = await api.create_ticket()
    await patch(api, ticket["id"], group_id=billing)
    history = await api.client.get(f"/v1/tickets/{ticket['id']}/history", headers=api.admin)
    events = history.json()["data"]
    assert events[-1]["type"] == "ticket.updated"
    assert events[-1]["data"]["changes"] == {"group_id": {"old": None, "new": billing}}
    snapshot = events[0]["data"]["ticket"]
    assert (snapshot["requester_id"], snapshot["channel"]) == (ticket["requester_id"], "api")


async def test_customers_see_their_organizations_tickets_only_when_it_shares(api: Api) -> None:
    acme = await api.client.post(
        "/v1/organizations", json={"name": "Acme", "domains": ["acme.example"]}, headers=api.admin
    )
    ada = await api.token("requester", email="ada@acme.example")
    bob_ticket = await api.create_ticket(customer_email="bob@acme.example")
    outsider = await api.create_ticket(customer_email="eve@elsewhere.example")
    assert bob_ticket["organization_id"] == acme.json()["id"]

    async def visible() -> tuple[list[int], int]:
        listed = await api.client.get("/v1/tickets", headers=api.auth(ada))
        single = await api.client.get(f"/v1/tickets/{bob_ticket['id']}", headers=api.auth(ada))
        return [t["id"] for t in listed.json()["data"]], single.status_code

    assert await visible() == ([], 404)
    shared = await api.client.patch(
        f"/v1/organizations/{acme.json()['id']}", json={"shared_tickets": True}, headers=api.admin
    )
    assert shared.status_code == 200
    assert await visible() == ([bob_ticket["id"]], 200)  # the cached principal was cleared
    comments = await api.client.get(
        f"/v1/tickets/{bob_ticket['id']}/comments", headers=api.auth(ada)
    )
    assert comments.status_code == 200
    other = await api.client.get(f"/v1/tickets/{outsider['id']}", headers=api.auth(ada))
    assert_envelope(other, 404, "ticket_not_found")


async def test_followers_are_set_changed_and_must_be_users(api: Api) -> None:
    grace = await create_user(api)
    ticket = await api.create_ticket(follower_ids=[grace["id"]])
    assert ticket["follower_ids"] == [grace["id"]]
    changed = await patch(api, ticket["id"], follower_ids=[])
    assert changed.json()["follower_ids"] == []
    unknown = await patch(api, ticket["id"], follower_ids=[grace["id"], 4242])
    body = assert_envelope(unknown, 422, "validation_failed")
    assert body["details"][0]["field"] == "follower_ids"
    history = await api.client.get(f"/v1/tickets/{ticket['id']}/history", headers=api.admin)
    assert history.json()["data"][-1]["data"]["changes"] == {
        "follower_ids": {"old": [grace["id"]], "new": []}
    }


def ticket_body(**fields: Any) -> dict[str, Any]:
    return {"title": "Printer on fire", "description": "It is really on fire now.", **fields}


async def test_staff_name_the_requester_by_id(api: Api) -> None:
    ada = await create_user(api, name="Ada", email="ada@example.com", role="customer")
    ticket = await api.create_ticket(customer_email=None, requester_id=ada["id"])
    assert (ticket["requester_id"], ticket["customer_email"]) == (ada["id"], "ada@example.com")
    both = await api.create_ticket(customer_email="ada@example.com", requester_id=ada["id"])
    assert both["requester_id"] == ada["id"]
    read = await api.client.get(f"/v1/tickets/{ticket['id']}", headers=api.admin)
    assert read.json()["requester_id"] == ada["id"]


async def test_a_requester_id_must_name_an_active_customer_who_owns_the_address(api: Api) -> None:
    ada = await create_user(api, name="Ada", email="ada@example.com", role="customer")
    agent = await create_user(api)
    gone = await create_user(api, name="Gone", email="gone@example.com", role="customer")
    off = await api.client.patch(
        f"/v1/users/{gone['id']}", json={"active": False}, headers=api.admin
    )
    assert off.status_code == 200, off.text
    for requester_id in (ada["id"] + 1000, agent["id"], gone["id"]):
        refused = await api.client.post(
            "/v1/tickets", json=ticket_body(requester_id=requester_id), headers=api.admin
        )
        body = assert_envelope(refused, 422, "validation_failed")
        assert [d["field"] for d in body["details"]] == ["requester_id"]
    disagreeing = await api.client.post(
        "/v1/tickets",
        json=ticket_body(requester_id=ada["id"], customer_email="bob@example.com"),
        headers=api.admin,
    )
    assert_envelope(disagreeing, 422, "validation_failed")
    neither = await api.client.post("/v1/tickets", json=ticket_body(), headers=api.admin)
    body = assert_envelope(neither, 422, "validation_failed")
    assert [d["field"] for d in body["details"]] == ["customer_email"]
    listed = await api.client.get("/v1/tickets", headers=api.admin)
    assert listed.json()["data"] == []  # nothing was filed by the refusals


async def test_a_requester_names_only_themselves(api: Api) -> None:
    secret = await api.token("requester", email="ada@example.com")
    me = (await api.client.get("/v1/users/me", headers=api.auth(secret))).json()
    bob = await create_user(api, name="Bob", email="bob@example.com", role="customer")
    own = await api.create_ticket(secret, customer_email=None, requester_id=me["id"])
    assert own["requester_id"] == me["id"]
    other = await api.client.post(
        "/v1/tickets", json=ticket_body(requester_id=bob["id"]), headers=api.auth(secret)
    )
    assert_envelope(other, 403, "forbidden")
    mixed = await api.client.post(
        "/v1/tickets",
        json=ticket_body(requester_id=me["id"], customer_email="bob@example.com"),
        headers=api.auth(secret),
    )
    assert_envelope(mixed, 403, "forbidden")
