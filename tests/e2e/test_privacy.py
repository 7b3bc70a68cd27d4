"""A requester learns nothing that is not theirs (SPEC §11), through every route they reach:
search, the conversation of a merged ticket, look-alike addresses; and no search text is
ever read as query syntax. On SQLite and on PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest

from tests.contract.test_ticket_reader_privacy import DECORATED, HOSTILE
from tests.e2e.conftest import Api


async def _comment(api: Api, ticket_id: int, secret: str | None, body: str, public: bool) -> None:
    headers = api.auth(secret) if secret else api.admin
    response = await api.client.post(
        f"/v1/tickets/{ticket_id}/comments",
        json={"body": body, "public": public},
        headers=headers,
    )
    assert response.status_code == 201, response.text


async def _search(api: Api, secret: str | None, q: str) -> list[int]:
    headers = api.auth(secret) if secret else api.admin
    response = await api.client.get("/v1/tickets", params={"q": q}, headers=headers)
    assert response.status_code == 200, response.text
    return [t["id"] for t in response.json()["data"]]


async def _status(api: Api, path: str, secret: str) -> int:
    response = await api.client.get(path, headers=api.auth(secret))
    return response.status_code


async def test_a_requesters_search_matches_only_what_they_may_read(api: Api) -> None:
    customer = await api.token("requester", email="ada@example.com")
    ticket = await api.create_ticket(
        customer, customer_email="ada@example.com", title="Invoice missing"
    )
    await _comment(api, ticket["id"], None, "Customer is on the fraudwatch list", public=False)
    await _comment(api, ticket["id"], None, "Resent through the billingportal", public=True)

    assert await _search(api, customer, "fraudwatch") == []
    assert await _search(api, customer, "billingportal") == [ticket["id"]]
    assert await _search(api, customer, "invoice") == [ticket["id"]]
    assert await _search(api, None, "fraudwatch") == [ticket["id"]]  # staff search notes
    renamed = await api.client.patch(
        f"/v1/tickets/{ticket['id']}", json={"title": "Receipt missing"}, headers=api.admin
    )
    assert renamed.status_code == 200, renamed.text
    assert await _search(api, customer, "receipt") == [ticket["id"]]
    assert await _search(api, customer, "invoice") == []
    assert await _search(api, customer, "fraudwatch") == []


async def test_another_customers_merged_in_conversation_stays_with_staff(api: Api) -> None:
    ada = await api.token("requester", email="ada@example.com")
    kept = await api.create_ticket(ada, customer_email="ada@example.com", title="Login broken")
    bob = await api.token("requester", email="bob@example.com")
    dup = await api.create_ticket(bob, customer_email="bob@example.com", title="Login broken")
    await _comment(api, dup["id"], bob, "My password is hunter2, bobsecret", public=True)
    await _comment(api, dup["id"], None, "Bob is a VIP, bobnote", public=False)
    await _comment(api, kept["id"], None, "Looking into it", public=True)
    merged = await api.client.post(
        f"/v1/tickets/{dup['id']}/merge", json={"into": kept["id"]}, headers=api.admin
    )
    assert merged.status_code == 200, merged.text

    comments = await api.client.get(f"/v1/tickets/{kept['id']}/comments", headers=api.auth(ada))
    assert comments.status_code == 200
    assert [c["body"] for c in comments.json()["data"]] == ["Looking into it"]
    staff = await api.client.get(f"/v1/tickets/{kept['id']}/comments", headers=api.admin)
    assert len(staff.json()["data"]) == 3
    for word in ("bobsecret", "bobnote", "hunter2"):
        assert await _search(api, ada, word) == []
    ticket = await api.client.get(f"/v1/tickets/{kept['id']}", headers=api.auth(ada))
    assert ticket.status_code == 200
    assert "bob" not in ticket.text.lower()
    # Everything else that carries the merged conversation is closed to requesters.
    assert await _status(api, f"/v1/tickets/{dup['id']}", ada) == 404
    assert await _status(api, f"/v1/tickets/{dup['id']}/comments", ada) == 404
    assert await _status(api, f"/v1/tickets/{kept['id']}/history", ada) == 403
    assert await _status(api, "/v1/events", ada) == 403
    assert await _status(api, "/v1/events/stream", ada) == 403


async def test_the_same_customers_merged_in_replies_stay_readable_to_them(api: Api) -> None:
    ada = await api.token("requester", email="ada@example.com")
    kept = await api.create_ticket(ada, customer_email="ada@example.com")
    dup = await api.create_ticket(ada, customer_email="ada@example.com")
    await _comment(api, dup["id"], ada, "Also the scanner", public=True)
    await _comment(api, dup["id"], None, "Internal: replace it", public=False)
    merged = await api.client.post(
        f"/v1/tickets/{dup['id']}/merge", json={"into": kept["id"]}, headers=api.admin
    )
    assert merged.status_code == 200
    comments = await api.client.get(f"/v1/tickets/{kept['id']}/comments", headers=api.auth(ada))
    assert [c["body"] for c in comments.json()["data"]] == ["Also the scanner"]


LOOKALIKES = [
    ("straße@example.com", "strasse@example.com"),
    ("finance@example.com", "ﬁnance@example.com"),
    ("ada@example.com", "ADA@example.com"),
]


@pytest.mark.parametrize(("known", "lookalike"), LOOKALIKES)
async def test_a_requester_token_for_a_look_alike_address_is_refused(
    api: Api, known: str, lookalike: str
) -> None:
    ticket = await api.create_ticket(customer_email=known)
    response = await api.client.post(
        "/v1/tokens",
        json={"name": "look-alike", "role": "requester", "email": lookalike},
        headers=api.admin,
    )
    assert response.status_code == 409, response.text
    assert response.json()["code"] == "conflict"
    assert response.json()["details"] == [
        {"field": "email", "message": "look-alike of a known address"}
    ]
    owner = await api.token("requester", email=known)
    assert await _status(api, f"/v1/tickets/{ticket['id']}", owner) == 200


@pytest.mark.parametrize(("known", "lookalike"), LOOKALIKES)
async def test_a_ticket_for_a_look_alike_of_a_known_address_is_refused(
    api: Api, known: str, lookalike: str
) -> None:
    imitator = await api.token("requester", email=lookalike)
    body: dict[str, Any] = {
        "title": "Invoice",
        "description": "Please resend the invoice.",
        "customer_email": known,
    }
    response = await api.client.post("/v1/tickets", json=body, headers=api.admin)
    assert response.status_code == 409, response.text
    assert response.json()["code"] == "conflict"
    listing = await api.client.get("/v1/tickets", headers=api.auth(imitator))
    assert listing.json()["data"] == []
    filed = await api.create_ticket(customer_email=lookalike)  # the known spelling is fine
    assert await _status(api, f"/v1/tickets/{filed['id']}", imitator) == 200


async def test_hostile_search_strings_answer_200_for_staff_and_requesters(api: Api) -> None:
    customer = await api.token("requester", email="ada@example.com")
    own = await api.create_ticket(customer, customer_email="ada@example.com", title="Printer jam")
    other = await api.create_ticket(customer_email="eve@example.com", title="Printer offline")
    answers: dict[str, int] = {}
    for q in HOSTILE:
        for secret in (None, customer):
            headers = api.auth(secret) if secret else api.admin
            response = await api.client.get("/v1/tickets", params={"q": q}, headers=headers)
            answers[f"{q!r} as {'requester' if secret else 'admin'}"] = response.status_code
    # A NUL may be refused as invalid input (422); nothing is ever a server error.
    assert {k: v for k, v in answers.items() if v >= 500} == {}
    assert {k: v for k, v in answers.items() if v != 200 and "\\x00" not in k} == {}
    for q in DECORATED:
        assert await _search(api, None, q) == [other["id"], own["id"]], q
        assert await _search(api, customer, q) == [own["id"]], q
