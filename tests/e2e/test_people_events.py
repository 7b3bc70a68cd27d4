"""People events over HTTP, on SQLite and PostgreSQL: every change to users, organizations
and groups is a CloudEvent in the outbox, naming the acting user, counted per subject; the
feed and webhooks deliver them to those who name their types, and customers never read them."""

from __future__ import annotations

from typing import Any

from tessera.application.events.cloudevents import CloudEvent
from tessera.infrastructure.webhooks.consumer import WebhookConsumer
from tests.e2e.conftest import Api
from tests.e2e.test_people_api import assert_envelope, create_user, user_token

PEOPLE_TYPES = (
    "user.created",
    "user.updated",
    "user.deactivated",
    "organization.created",
    "organization.updated",
    "group.created",
    "group.updated",
    "group.member_added",
    "group.member_removed",
)


async def _feed(api: Api, *types: str, headers: dict[str, str] | None = None) -> Any:
    await api.container.relay().sequence()  # what the running relay does after each commit
    response = await api.client.get(
        "/v1/events",
        params=[("after", "0"), ("limit", "1000"), *(("type", t) for t in types)],
        headers=headers or api.admin,
    )
    assert response.status_code == 200, response.text
    return response.json()["data"]


async def _admin_id(api: Api) -> int:
    me = await api.client.get("/v1/users/me", headers=api.admin)
    user_id: int = me.json()["id"]
    return user_id


async def test_every_people_change_is_an_event_naming_the_acting_user(api: Api) -> None:
    admin = await _admin_id(api)
    agent = await create_user(api)
    organization = await api.client.post(
        "/v1/organizations", json={"name": "Acme", "domains": ["acme.example"]}, headers=api.admin
    )
    org_id = organization.json()["id"]
    await api.client.patch(
        f"/v1/organizations/{org_id}", json={"shared_tickets": True}, headers=api.admin
    )
    group = await api.client.post("/v1/groups", json={"name": "Billing"}, headers=api.admin)
    group_id = group.json()["id"]
    await api.client.patch(f"/v1/groups/{group_id}", json={"name": "Refunds"}, headers=api.admin)
    members = f"/v1/groups/{group_id}/members"
    added = await api.client.post(members, json={"user_id": agent["id"]}, headers=api.admin)
    assert added.status_code == 204
    again = await api.client.post(members, json={"user_id": agent["id"]}, headers=api.admin)
    assert again.status_code == 204  # a member already: nothing happens, no event
    removed = await api.client.delete(f"{members}/{agent['id']}", headers=api.admin)
    assert removed.status_code == 204
    renamed = await api.client.patch(
        f"/v1/users/{agent['id']}", json={"time_zone": "Europe/Berlin"}, headers=api.admin
    )
    assert renamed.status_code == 200
    unchanged = await api.client.patch(
        f"/v1/users/{agent['id']}", json={"time_zone": "Europe/Berlin"}, headers=api.admin
    )
    assert unchanged.status_code == 200  # nothing changed: no event
    off = await api.client.patch(
        f"/v1/users/{agent['id']}", json={"active": False}, headers=api.admin
    )
    assert off.status_code == 200

    events = [e for e in await _feed(api, *PEOPLE_TYPES) if e["subject"] != f"users/{admin}"]
    assert [(e["type"], e["subject"], e["sequence"]) for e in events] == [
        ("user.created", f"users/{agent['id']}", "0000000001"),
        ("organization.created", f"organizations/{org_id}", "0000000001"),
        ("organization.updated", f"organizations/{org_id}", "0000000002"),
        ("group.created", f"groups/{group_id}", "0000000001"),
        ("group.updated", f"groups/{group_id}", "0000000002"),
        ("group.member_added", f"groups/{group_id}", "0000000003"),
        ("group.member_removed", f"groups/{group_id}", "0000000004"),
        ("user.updated", f"users/{agent['id']}", "0000000002"),
        ("user.updated", f"users/{agent['id']}", "0000000003"),
        ("user.deactivated", f"users/{agent['id']}", "0000000004"),
    ]
    assert {e["actor"] for e in events} == {f"user:{admin}"}
    assert {e["specversion"] for e in events} == {"1.0"}
    data = [e["data"] for e in events]
    assert data[0]["user"] == {
        "id": agent["id"],
        "name": agent["name"],
        "email": agent["email"],
        "role": "agent",
        "organization_id": None,
        "active": True,
        "time_zone": "UTC",
    }
    assert data[1]["organization"]["domains"] == ["acme.example"]
    assert data[2] == {"changes": {"shared_tickets": {"old": False, "new": True}}}
    assert data[4] == {"changes": {"name": {"old": "Billing", "new": "Refunds"}}}
    assert data[5] == data[6] == {"user_id": agent["id"]}
    assert data[7] == {"changes": {"time_zone": {"old": "UTC", "new": "Europe/Berlin"}}}
    assert data[8] == {"changes": {"active": {"old": True, "new": False}}}


async def test_passwords_never_reach_an_event_and_profiles_name_their_owner(api: Api) -> None:
    agent = await create_user(api, password="correct horse battery")
    await api.client.patch(
        f"/v1/users/{agent['id']}", json={"password": "another long secret"}, headers=api.admin
    )
    own = await user_token(api, agent["id"])
    await api.client.patch("/v1/users/me", json={"name": "Grace B. Hopper"}, headers=api.auth(own))
    created, password, renamed = (await _feed(api, "user.created", "user.updated"))[-3:]
    assert "correct horse" not in str(created) and "another long" not in str(password)
    assert password["data"] == {"changes": {"password": {"old": None, "new": None}}}
    assert renamed["actor"] == f"user:{agent['id']}"
    assert renamed["data"]["changes"]["name"]["new"] == "Grace B. Hopper"


async def test_a_customer_made_on_the_way_is_created_by_whoever_filed_the_ticket(
    api: Api,
) -> None:
    admin = await _admin_id(api)
    ticket = await api.create_ticket(customer_email="new@example.com")
    [created] = [
        e
        for e in await _feed(api, "user.created")
        if e["subject"] == f"users/{ticket['requester_id']}"
    ]
    assert created["actor"] == f"user:{admin}"
    assert created["data"]["user"]["role"] == "customer"


async def test_readers_that_name_no_type_see_only_a_tickets_events(api: Api) -> None:
    await create_user(api)
    ticket = await api.create_ticket(customer_email="someone@example.com")
    everything = await _feed(api)
    assert [(e["type"], e["subject"]) for e in everything] == [
        ("ticket.created", str(ticket["id"]))
    ]
    history = await api.client.get(f"/v1/tickets/{ticket['id']}/history", headers=api.admin)
    assert [e["sequence"] for e in history.json()["data"]] == ["0000000001"]


async def test_customers_and_scoped_readers_never_read_people_events(api: Api) -> None:
    await create_user(api)
    customer = await api.token("requester", email="ada@example.com")
    for types in ((), ("user.created",), PEOPLE_TYPES):
        refused = await api.client.get(
            "/v1/events",
            params=[("after", "0"), *(("type", t) for t in types)],
            headers=api.auth(customer),
        )
        assert_envelope(refused, 403, "forbidden")
    stream = await api.client.get(
        "/v1/events/stream", params={"type": "user.created"}, headers=api.auth(customer)
    )
    assert_envelope(stream, 403, "forbidden")
    agent = await user_token(api, (await create_user(api, email="b@support.example.com"))["id"])
    seen = await _feed(api, "user.created", headers=api.auth(agent))
    assert "b@support.example.com" in str(seen)  # staff read them, as they read users


async def test_webhooks_get_people_events_only_when_they_name_them(api: Api) -> None:
    async def subscribe(*types: str) -> int:
        response = await api.client.post(
            "/v1/webhooks",
            json={"url": "https://hooks.example.com/x", "event_types": list(types)},
            headers=api.admin,
        )
        assert response.status_code == 201, response.text
        hook_id: int = response.json()["id"]
        return hook_id

    people = await subscribe("user.created", "group.member_added")
    everything = await subscribe()
    agent = await create_user(api)
    ticket = await api.create_ticket(customer_email="x@example.com")
    consumer = WebhookConsumer(api.container.engine)
    stored = await _feed(api, *PEOPLE_TYPES, "ticket.created")
    for document in stored:
        await consumer.handle(CloudEvent.from_dict(document))
    subjects = {e["id"]: e["subject"] for e in stored}

    async def delivered(hook_id: int) -> list[tuple[str, str]]:
        response = await api.client.get(f"/v1/webhooks/{hook_id}/deliveries", headers=api.admin)
        assert response.status_code == 200, response.text
        return sorted((d["event_type"], subjects[d["event_id"]]) for d in response.json()["data"])

    people_got = await delivered(people)
    assert ("user.created", f"users/{agent['id']}") in people_got
    assert ("user.created", f"users/{ticket['requester_id']}") in people_got
    assert {kind for kind, _ in people_got} == {"user.created"}
    assert await delivered(everything) == [("ticket.created", str(ticket["id"]))]
