"""Webhook routes: admins only, the secret shown once, validation, the delivery log."""

from __future__ import annotations

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
