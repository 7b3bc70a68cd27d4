"""/v1/mailboxes through the app: the password is write-only (kept on an update without
one), bad configurations answer 422 naming each field, a taken address 409, an unknown
mailbox 404, and the messages list pages with its outcome and sender as ``from``."""

from __future__ import annotations

from typing import Any

from tessera.domain.mail.message import Outcome
from tests.e2e.conftest import Api

IMAP: dict[str, Any] = {
    "address": "support@example.com",
    "intake": {
        "kind": "imap",
        "host": "imap.example.com",
        "port": 993,
        "tls": "tls",
        "user": "support@example.com",
        "password": "Secret-Pa55-never-shown",
    },
}


async def test_the_password_is_never_shown_and_stays_on_an_update_without_one(api: Api) -> None:
    created = await api.client.post("/v1/mailboxes", json=IMAP, headers=api.admin)
    assert created.status_code == 201, created.text
    body = created.json()
    assert created.headers["Location"] == f"/v1/mailboxes/{body['id']}"
    assert body["intake"] == {
        "kind": "imap",
        "host": "imap.example.com",
        "port": 993,
        "tls": "tls",
        "user": "support@example.com",
        "folder": "INBOX",
    }
    update = {**IMAP, "intake": {**IMAP["intake"], "folder": "Support"}}
    del update["intake"]["password"]
    changed = await api.client.put(f"/v1/mailboxes/{body['id']}", json=update, headers=api.admin)
    assert changed.status_code == 200, changed.text
    assert changed.json()["intake"]["folder"] == "Support"
    assert api.container.mail is not None
    stored = await api.container.mail.services.mailboxes.get(body["id"])
    assert (
        stored is not None and getattr(stored.intake, "password", None) == "Secret-Pa55-never-shown"
    )
    for response in (created, changed, await api.client.get("/v1/mailboxes", headers=api.admin)):
        assert "Secret-Pa55" not in response.text


async def test_bad_configurations_answer_422_naming_each_field(api: Api) -> None:
    intake: dict[str, Any] = {**IMAP["intake"], "host": "a b", "port": 99999}
    bad = {"address": "not an address", "intake": intake}
    response = await api.client.post("/v1/mailboxes", json=bad, headers=api.admin)
    assert response.status_code == 422
    assert {d["field"] for d in response.json()["details"]} == {"intake.imap.port"}
    intake["port"] = 993
    response = await api.client.post("/v1/mailboxes", json=bad, headers=api.admin)
    assert response.status_code == 422
    assert {d["field"] for d in response.json()["details"]} == {"address", "intake.host"}
    no_password = {**IMAP, "intake": {k: v for k, v in IMAP["intake"].items() if k != "password"}}
    response = await api.client.post("/v1/mailboxes", json=no_password, headers=api.admin)
    assert response.status_code == 422
    assert [d["field"] for d in response.json()["details"]] == ["intake.password"]


async def test_the_group_is_admin_settable_and_must_exist(api: Api) -> None:
    lmtp: dict[str, Any] = {
        "address": "desk@example.com",
        "group_id": 9999,
        "intake": {"kind": "lmtp"},
    }
    unknown = await api.client.post("/v1/mailboxes", json=lmtp, headers=api.admin)
    assert unknown.status_code == 422
    assert [d["field"] for d in unknown.json()["details"]] == ["group_id"]
    group = await api.client.post("/v1/groups", json={"name": "Desk"}, headers=api.admin)
    lmtp["group_id"] = group.json()["id"]
    created = await api.client.post("/v1/mailboxes", json=lmtp, headers=api.admin)
    assert (created.status_code, created.json()["group_id"]) == (201, lmtp["group_id"])
    moved = {**lmtp, "group_id": 9999}
    path = f"/v1/mailboxes/{created.json()['id']}"
    refused = await api.client.put(path, json=moved, headers=api.admin)
    assert (refused.status_code, refused.json()["details"][0]["field"]) == (422, "group_id")
    cleared = await api.client.put(path, json={**lmtp, "group_id": None}, headers=api.admin)
    assert (cleared.status_code, cleared.json()["group_id"]) == (200, None)


async def test_a_taken_address_is_409_and_an_unknown_mailbox_404(api: Api) -> None:
    lmtp = {"address": "help@example.com", "intake": {"kind": "lmtp"}}
    assert (await api.client.post("/v1/mailboxes", json=lmtp, headers=api.admin)).status_code == 201
    again = await api.client.post("/v1/mailboxes", json=lmtp, headers=api.admin)
    assert (again.status_code, again.json()["code"]) == (409, "conflict")
    missing = await api.client.get("/v1/mailboxes/999/messages", headers=api.admin)
    assert (missing.status_code, missing.json()["code"]) == (404, "mailbox_not_found")


async def test_the_messages_list_pages_newest_first_with_outcomes(api: Api) -> None:
    lmtp = {"address": "help@example.com", "intake": {"kind": "lmtp"}}
    box = (await api.client.post("/v1/mailboxes", json=lmtp, headers=api.admin)).json()["id"]
    assert api.container.mail is not None
    mail = api.container.mail.services
    for n in range(3):
        raw = (
            f"From: Ada <ada@example.org>\r\nSubject: Hi {n}\r\nMessage-ID: <m{n}@x>\r\n"
            "\r\nA question here.\r\n"
        )
        await mail.accept_mail(mailbox_id=box, raw=raw.encode())
    await mail.process_mail(holder="test")
    first = await api.client.get(f"/v1/mailboxes/{box}/messages?limit=2", headers=api.admin)
    assert first.status_code == 200, first.text
    page = first.json()
    assert [m["subject"] for m in page["data"]] == ["Hi 2", "Hi 1"]
    assert {m["from"] for m in page["data"]} == {"Ada <ada@example.org>"}
    assert {m["outcome"] for m in page["data"]} == {Outcome.CREATED_TICKET.value}
    rest = await api.client.get(
        f"/v1/mailboxes/{box}/messages?limit=2&cursor={page['next_cursor']}", headers=api.admin
    )
    assert [m["subject"] for m in rest.json()["data"]] == ["Hi 0"]
