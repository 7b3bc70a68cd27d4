"""Webhook routes: admins only, the secret shown once, validation, the delivery log."""

from __future__ import annotations

import base64

from tests.e2e.conftest import Api


async def test_webhooks_are_created_listed_and_deleted_by_admins(api: Api) -> None:
    body = {
        "url": "https://hooks.example.com/tessera",
        "event_types": ["ticket.created"],
        "description": "CRM",
    }
    created = await api.client.post("/v1/webhooks", json=body, headers=api.admin)
    assert created.status_code == 201
    hook = created.json()
    assert hook["secret"].startswith("whsec_")
    assert created.headers["location"] == f"/v1/webhooks/{hook['id']}"

    listed = (await api.client.get("/v1/webhooks", headers=api.admin)).json()
    assert [h["id"] for h in listed["data"]] == [hook["id"]]
    assert "secret" not in listed["data"][0]
    deliveries = await api.client.get(f"/v1/webhooks/{hook['id']}/deliveries", headers=api.admin)
    assert deliveries.json() == {"data": [], "next_cursor": None, "links": {"next": None}}

    gone = await api.client.delete(f"/v1/webhooks/{hook['id']}", headers=api.admin)
    assert gone.status_code == 204
    again = await api.client.delete(f"/v1/webhooks/{hook['id']}", headers=api.admin)
    assert again.status_code == 404
    assert again.json()["code"] == "webhook_not_found"


async def test_webhook_input_is_validated_and_only_admins_manage_them(api: Api) -> None:
    agent = await api.token("agent")
    for bad in (
        {"url": "http://127.0.0.1:8080/x"},
        {"url": "not a url"},
        {"url": "https://hooks.example.com", "event_types": ["ticket.exploded"]},
        {"url": "https://hooks.example.com", "secret": "short"},
        {"url": "https://hooks.example.com", "surprise": True},
    ):
        response = await api.client.post("/v1/webhooks", json=bad, headers=api.admin)
        assert response.status_code == 422, bad
        assert response.json()["code"] == "validation_failed"
    refused = await api.client.post(
        "/v1/webhooks", json={"url": "https://hooks.example.com"}, headers=api.auth(agent)
    )
    assert refused.status_code == 403
    assert (await api.client.get("/v1/webhooks", headers=api.auth(agent))).status_code == 403
    missing = await api.client.post("/v1/webhooks/9/deliveries/9/redeliver", headers=api.admin)
    assert missing.status_code == 404
    assert missing.json()["code"] == "delivery_not_found"


async def test_every_spelling_of_a_loopback_target_is_refused_naming_the_url(api: Api) -> None:
    for url in (
        "http://2130706433/",
        "http://0x7f.1/",
        "http://0177.0.0.1/",
        "http://127.1/",
        "http://[::ffff:127.0.0.1]/",
        "http://[::ffff:7f00:1]/",
        "http://[2002:7f00:1::]/",
        "http://[64:ff9b::7f00:1]/",
        "http://127.0.0.1./",
        "http://[::1/",
        "http://hooks.example.com:99999/",
    ):
        response = await api.client.post("/v1/webhooks", json={"url": url}, headers=api.admin)
        assert response.status_code == 422, url
        body = response.json()
        assert body["code"] == "validation_failed", url
        assert [detail["field"] for detail in body["details"]] == ["url"], url
    listed = (await api.client.get("/v1/webhooks", headers=api.admin)).json()
    assert listed["data"] == []


async def test_rotating_a_secret_shows_the_new_one_once_and_the_old_one_s_overlap(
    api: Api,
) -> None:
    created = (
        await api.client.post(
            "/v1/webhooks", json={"url": "https://hooks.example.com/r"}, headers=api.admin
        )
    ).json()
    rotated = await api.client.post(
        f"/v1/webhooks/{created['id']}/rotate-secret", headers=api.admin
    )
    assert rotated.status_code == 200
    body = rotated.json()
    assert body["id"] == created["id"]
    assert body["secret"].startswith("whsec_")
    assert body["secret"] != created["secret"]
    shown = (await api.client.get(f"/v1/webhooks/{created['id']}", headers=api.admin)).json()
    assert shown["previous_secret_expires_at"] == body["previous_secret_expires_at"]
    assert "secret" not in shown
    again = (
        await api.client.post(f"/v1/webhooks/{created['id']}/rotate-secret", headers=api.admin)
    ).json()
    assert again["secret"] not in (body["secret"], created["secret"])

    missing = await api.client.post("/v1/webhooks/999999/rotate-secret", headers=api.admin)
    assert missing.status_code == 404
    assert missing.json()["code"] == "webhook_not_found"
    agent = await api.token("agent")
    refused = await api.client.post(
        f"/v1/webhooks/{created['id']}/rotate-secret", headers=api.auth(agent)
    )
    assert refused.status_code == 403
    assert refused.json()["code"] == "forbidden"


async def test_a_webhook_is_disabled_and_re_enabled_through_patch(api: Api) -> None:
    created = (
        await api.client.post(
            "/v1/webhooks", json={"url": "https://hooks.example.com/p"}, headers=api.admin
        )
    ).json()
    assert (created["active"], created["disabled_reason"], created["disabled_at"]) == (
        True,
        None,
        None,
    )
    path = f"/v1/webhooks/{created['id']}"
    off = await api.client.patch(path, json={"active": False}, headers=api.admin)
    assert off.status_code == 200
    assert off.json()["active"] is False
    assert off.json()["disabled_reason"] == "disabled by an admin"
    assert off.json()["disabled_at"] is not None
    listed = (await api.client.get("/v1/webhooks", headers=api.admin)).json()["data"]
    assert [h["active"] for h in listed] == [False]

    on = await api.client.patch(
        path,
        json={"active": True, "description": "back", "event_types": ["ticket.created"]},
        headers=api.admin,
    )
    assert on.status_code == 200
    assert (on.json()["active"], on.json()["disabled_reason"], on.json()["disabled_at"]) == (
        True,
        None,
        None,
    )
    assert (on.json()["description"], on.json()["event_types"]) == ("back", ["ticket.created"])
    assert on.json()["url"] == created["url"]  # left out: kept

    for bad in (
        {"url": "http://127.0.0.1/x"},
        {"event_types": ["ticket.exploded"]},
        {"active": None},
        {"surprise": 1},
    ):
        refused = await api.client.patch(path, json=bad, headers=api.admin)
        assert refused.status_code == 422, bad
        assert refused.json()["code"] == "validation_failed"
    missing = await api.client.patch("/v1/webhooks/999999", json={}, headers=api.admin)
    assert missing.status_code == 404
    assert missing.json()["code"] == "webhook_not_found"


async def test_a_client_secret_must_be_a_standard_webhooks_secret(api: Api) -> None:
    key = "whsec_" + base64.b64encode(b"k" * 32).decode()
    for bad in (
        "whsec_test-secret-0123456789",  # the URL-safe alphabet is not base64
        "whsec_" + base64.b64encode(b"k" * 16).decode(),  # too short a key
        base64.b64encode(b"k" * 32).decode(),  # no prefix
    ):
        refused = await api.client.post(
            "/v1/webhooks",
            json={"url": "https://hooks.example.com/s", "secret": bad},
            headers=api.admin,
        )
        assert refused.status_code == 422, bad
        assert refused.json()["details"][0]["field"] == "secret"
    created = await api.client.post(
        "/v1/webhooks",
        json={"url": "https://hooks.example.com/s", "secret": key},
        headers=api.admin,
    )
    assert created.status_code == 201
    assert created.json()["secret"] == key
