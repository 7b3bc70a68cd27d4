"""SPEC §13 over HTTP, on SQLite and PostgreSQL: users, organizations, groups and members,
tokens for a user, and the error envelope on every refusal."""

from __future__ import annotations

from typing import Any

import httpx

from tests.e2e.conftest import Api


def assert_envelope(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert set(body) == {"error", "code", "details", "request_id"}
    assert body["code"] == code
    assert body["request_id"] == response.headers["X-Request-ID"]
    return body


async def create_user(api: Api, **fields: Any) -> dict[str, Any]:
    body = {"name": "Grace Hopper", "email": "grace@support.example.com", "role": "agent"}
    response = await api.client.post("/v1/users", json={**body, **fields}, headers=api.admin)
    assert response.status_code == 201, response.text
    assert response.headers["Location"] == f"/v1/users/{response.json()['id']}"
    user: dict[str, Any] = response.json()
    return user


async def user_token(api: Api, user_id: int) -> str:
    response = await api.client.post(
        "/v1/tokens", json={"name": "device", "user_id": user_id}, headers=api.admin
    )
    assert response.status_code == 201, response.text
    assert response.json()["user_id"] == user_id
    secret: str = response.json()["token"]
    return secret


async def test_a_user_is_created_read_and_never_shows_a_password(api: Api) -> None:
    user = await create_user(api, time_zone="Europe/Vienna", password="correct horse battery")
    assert user["role"] == "agent"
    assert user["time_zone"] == "Europe/Vienna"
    assert user["active"] is True
    assert "password" not in user and "password_hash" not in user
    read = await api.client.get(f"/v1/users/{user['id']}", headers=api.admin)
    assert read.json() == user
    me = await api.client.get("/v1/users/me", headers=api.auth(await user_token(api, user["id"])))
    assert me.json() == user


async def test_a_taken_address_in_any_letter_case_is_409_conflict(api: Api) -> None:
    await create_user(api)
    again = await api.client.post(
        "/v1/users",
        json={"name": "G", "email": "GRACE@support.example.com", "role": "agent"},
        headers=api.admin,
    )
    assert_envelope(again, 409, "conflict")


async def test_bad_user_fields_are_all_named_in_one_422(api: Api) -> None:
    response = await api.client.post(
        "/v1/users",
        json={
            "name": "X",
            "email": "x@example.com",
            "role": "customer",
            "time_zone": "Mars/Olympus",
            "password": "correct horse battery",
        },
        headers=api.admin,
    )
    body = assert_envelope(response, 422, "validation_failed")
    assert {d["field"] for d in body["details"]} == {"time_zone"}
    response = await api.client.post(
        "/v1/users",
        json={"name": "X", "email": "x@example.com", "role": "customer", "password": "x" * 12},
        headers=api.admin,
    )
    body = assert_envelope(response, 422, "validation_failed")
    assert [d["field"] for d in body["details"]] == ["password"]


async def test_customers_reach_only_themselves(api: Api) -> None:
    ada = await api.token("requester", email="ada@example.com")
    bob = await api.token("requester", email="bob@example.com")
    me = (await api.client.get("/v1/users/me", headers=api.auth(ada))).json()
    bob_me = (await api.client.get("/v1/users/me", headers=api.auth(bob))).json()
    assert me["role"] == "customer" and me["email"] == "ada@example.com"
    own = await api.client.get(f"/v1/users/{me['id']}", headers=api.auth(ada))
    assert own.status_code == 200
    other = await api.client.get(f"/v1/users/{bob_me['id']}", headers=api.auth(ada))
    assert_envelope(other, 404, "user_not_found")
    assert_envelope(await api.client.get("/v1/users", headers=api.auth(ada)), 403, "forbidden")


async def test_deactivating_a_user_refuses_their_tokens_at_once(api: Api) -> None:
    user = await create_user(api)
    secret = await user_token(api, user["id"])
    assert (await api.client.get("/v1/users/me", headers=api.auth(secret))).status_code == 200
    patched = await api.client.patch(
        f"/v1/users/{user['id']}", json={"active": False}, headers=api.admin
    )
    assert patched.status_code == 200 and patched.json()["active"] is False
    refused = await api.client.get("/v1/users/me", headers=api.auth(secret))
    assert_envelope(refused, 401, "unauthenticated")
    again = await api.client.post(
        "/v1/tokens", json={"name": "x", "user_id": user["id"]}, headers=api.admin
    )
    assert_envelope(again, 422, "validation_failed")


async def test_users_filter_and_page_like_tickets(api: Api) -> None:
    acme = await api.client.post(
        "/v1/organizations",
        json={"name": "Acme", "domains": ["acme.example"], "shared_tickets": True},
        headers=api.admin,
    )
    assert acme.status_code == 201, acme.text
    for n in range(3):
        await api.token("requester", email=f"c{n}@acme.example")
    await create_user(api)
    customers = await api.client.get(
        "/v1/users", params={"role": "customer", "limit": 2}, headers=api.admin
    )
    first = customers.json()
    assert [u["email"] for u in first["data"]] == ["c0@acme.example", "c1@acme.example"]
    assert all(u["organization_id"] == acme.json()["id"] for u in first["data"])
    rest = await api.client.get(
        "/v1/users",
        params={"role": "customer", "limit": 2, "cursor": first["next_cursor"]},
        headers=api.admin,
    )
    assert [u["email"] for u in rest.json()["data"]] == ["c2@acme.example"]
    assert rest.json()["next_cursor"] is None
    by_email = await api.client.get(
        "/v1/users", params={"email": "GRACE@support.example.com"}, headers=api.admin
    )
    assert [u["name"] for u in by_email.json()["data"]] == ["Grace Hopper"]
    bad = await api.client.get("/v1/users", params={"role": "boss"}, headers=api.admin)
    assert_envelope(bad, 422, "validation_failed")


async def test_organizations_own_their_domains(api: Api) -> None:
    created = await api.client.post(
        "/v1/organizations", json={"name": "Acme", "domains": ["Acme.Example"]}, headers=api.admin
    )
    assert created.json()["domains"] == ["acme.example"]
    taken = await api.client.post(
        "/v1/organizations", json={"name": "Copy", "domains": ["acme.example"]}, headers=api.admin
    )
    assert_envelope(taken, 409, "conflict")
    bad = await api.client.post(
        "/v1/organizations", json={"name": "Bad", "domains": ["not a domain"]}, headers=api.admin
    )
    assert_envelope(bad, 422, "validation_failed")
    org_id = created.json()["id"]
    patched = await api.client.patch(
        f"/v1/organizations/{org_id}", json={"shared_tickets": True}, headers=api.admin
    )
    assert patched.json()["shared_tickets"] is True
    ada = await api.token("requester", email="ada@acme.example")
    bob = await api.token("requester", email="bob@elsewhere.example")
    assert (await api.client.get(f"/v1/organizations/{org_id}", headers=api.auth(ada))).json()[
        "name"
    ] == "Acme"
    other = await api.client.get(f"/v1/organizations/{org_id}", headers=api.auth(bob))
    assert_envelope(other, 404, "organization_not_found")


async def test_group_members_are_added_listed_and_removed(api: Api) -> None:
    group = await api.client.post(
        "/v1/groups", json={"name": "Billing", "description": "Refunds"}, headers=api.admin
    )
    assert group.status_code == 201
    group_id = group.json()["id"]
    grace = await create_user(api)
    members = f"/v1/groups/{group_id}/members"
    for _ in range(2):
        added = await api.client.post(members, json={"user_id": grace["id"]}, headers=api.admin)
        assert added.status_code == 204 and added.content == b""
    listed = await api.client.get(members, headers=api.admin)
    assert [m["id"] for m in listed.json()["data"]] == [grace["id"]]
    customer = await api.token("requester", email="ada@example.com")
    me = (await api.client.get("/v1/users/me", headers=api.auth(customer))).json()
    not_staff = await api.client.post(members, json={"user_id": me["id"]}, headers=api.admin)
    assert_envelope(not_staff, 422, "validation_failed")
    assert_envelope(await api.client.get(members, headers=api.auth(customer)), 403, "forbidden")
    removed = await api.client.delete(f"{members}/{grace['id']}", headers=api.admin)
    assert removed.status_code == 204
    gone = await api.client.delete(f"{members}/{grace['id']}", headers=api.admin)
    assert_envelope(gone, 404, "user_not_found")
    missing = await api.client.get("/v1/groups/999/members", headers=api.admin)
    assert_envelope(missing, 404, "group_not_found")
    assert (await api.client.get(members, headers=api.admin)).json()["data"] == []


async def test_a_token_body_needs_either_a_user_or_a_role(api: Api) -> None:
    both = await api.client.post(
        "/v1/tokens", json={"name": "x", "user_id": 1, "role": "agent"}, headers=api.admin
    )
    assert_envelope(both, 422, "validation_failed")
    neither = await api.client.post("/v1/tokens", json={"name": "x"}, headers=api.admin)
    assert_envelope(neither, 422, "validation_failed")
    unknown = await api.client.post(
        "/v1/tokens", json={"name": "x", "user_id": 999}, headers=api.admin
    )
    assert_envelope(unknown, 422, "validation_failed")


async def test_users_change_their_own_name_and_time_zone_only(api: Api) -> None:
    secret = await api.token("requester", email="ada@example.com")
    me = api.auth(secret)
    changed = await api.client.patch(
        "/v1/users/me", json={"name": "Ada Lovelace", "time_zone": "Europe/London"}, headers=me
    )
    assert changed.status_code == 200, changed.text
    assert (changed.json()["name"], changed.json()["time_zone"]) == (
        "Ada Lovelace",
        "Europe/London",
    )
    read = (await api.client.get("/v1/users/me", headers=me)).json()
    assert (read["name"], read["time_zone"], read["role"]) == (
        "Ada Lovelace",
        "Europe/London",
        "customer",
    )
    for field, value in (("role", "admin"), ("active", False), ("email", "eve@example.com")):
        refused = await api.client.patch("/v1/users/me", json={field: value}, headers=me)
        body = assert_envelope(refused, 422, "validation_failed")
        assert [d["field"] for d in body["details"]] == [field]
    bad = await api.client.patch(
        "/v1/users/me", json={"name": " ", "time_zone": "Mars/Olympus"}, headers=me
    )
    body = assert_envelope(bad, 422, "validation_failed")
    assert {d["field"] for d in body["details"]} == {"name", "time_zone"}
    null = await api.client.patch("/v1/users/me", json={"name": None}, headers=me)
    assert_envelope(null, 422, "validation_failed")
    after = (await api.client.get(f"/v1/users/{read['id']}", headers=api.admin)).json()
    assert (after["name"], after["role"], after["active"], after["email"]) == (
        "Ada Lovelace",
        "customer",
        True,
        "ada@example.com",
    )
    anonymous = await api.client.patch("/v1/users/me", json={"name": "X"})
    assert_envelope(anonymous, 401, "unauthenticated")


async def test_staff_edit_their_own_profile_too(api: Api) -> None:
    agent = await create_user(api)
    secret = await user_token(api, agent["id"])
    changed = await api.client.patch(
        "/v1/users/me", json={"time_zone": "Asia/Tokyo"}, headers=api.auth(secret)
    )
    assert changed.status_code == 200, changed.text
    assert (changed.json()["time_zone"], changed.json()["name"]) == ("Asia/Tokyo", agent["name"])
