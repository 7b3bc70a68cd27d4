"""Event routes: a ticket's history and the changes feed, through the real app."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tessera.bootstrap.overrides import Overrides
from tessera.bootstrap.settings import StorageSettings
from tests.e2e.conftest import Api, serve_api
from tests.support import sdk_cloudevent


async def _change(api: Api, ticket_id: int, **fields: Any) -> None:
    response = await api.client.patch(f"/v1/tickets/{ticket_id}", json=fields, headers=api.admin)
    assert response.status_code == 200, response.text


async def _feed(api: Api, **params: Any) -> dict[str, Any]:
    await api.container.relay().sequence()  # what the running relay does after each commit
    response = await api.client.get("/v1/events", params=params, headers=api.admin)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_history_lists_every_change_in_order_with_who_when_and_what(api: Api) -> None:
    ticket = await api.create_ticket()
    await _change(api, ticket["id"], priority="high")
    await _change(api, ticket["id"], status="in_progress")

    response = await api.client.get(f"/v1/tickets/{ticket['id']}/history", headers=api.admin)

    assert response.status_code == 200
    events = response.json()["data"]
    assert [e["type"] for e in events] == [
        "ticket.created",
        "ticket.updated",
        "ticket.status_changed",
    ]
    assert [e["sequence"] for e in events] == ["0000000001", "0000000002", "0000000003"]
    assert all(e["specversion"] == "1.0" and e["subject"] == str(ticket["id"]) for e in events)
    assert events[1]["data"] == {"changes": {"priority": {"old": "medium", "new": "high"}}}
    assert events[2]["data"] == {"old": "open", "new": "in_progress"}
    assert events[0]["actor"].startswith("user:")
    assert events[0]["time"].endswith("Z")
    assert response.json()["next_cursor"] is None


async def test_history_pages_by_cursor_and_survives_deletion(api: Api) -> None:
    ticket = await api.create_ticket()
    for priority in ("high", "low", "critical"):
        await _change(api, ticket["id"], priority=priority)
    assert (await api.client.delete(f"/v1/tickets/{ticket['id']}", headers=api.admin)).status_code
    url = f"/v1/tickets/{ticket['id']}/history"

    first = (await api.client.get(url, params={"limit": 3}, headers=api.admin)).json()
    rest = (
        await api.client.get(
            url, params={"limit": 3, "cursor": first["next_cursor"]}, headers=api.admin
        )
    ).json()

    assert [int(e["sequence"]) for e in first["data"]] == [1, 2, 3]
    assert [int(e["sequence"]) for e in rest["data"]] == [4, 5]
    assert rest["data"][-1]["type"] == "ticket.deleted"
    assert rest["next_cursor"] is None


async def test_history_of_an_unknown_ticket_is_404_and_requesters_are_refused(api: Api) -> None:
    ticket = await api.create_ticket(customer_email="ada@example.com")
    requester = await api.token("requester", email="ada@example.com")

    unknown = await api.client.get("/v1/tickets/999/history", headers=api.admin)
    own = await api.client.get(f"/v1/tickets/{ticket['id']}/history", headers=api.auth(requester))
    feed = await api.client.get("/v1/events", headers=api.auth(requester))
    bad_cursor = await api.client.get(
        f"/v1/tickets/{ticket['id']}/history", params={"cursor": "x"}, headers=api.admin
    )

    assert unknown.status_code == 404
    assert unknown.json()["code"] == "ticket_not_found"
    assert own.status_code == feed.status_code == 403
    assert bad_cursor.status_code == 422


async def test_the_feed_resumes_from_its_cursor_and_filters_by_type(api: Api) -> None:
    first = await api.create_ticket()
    await _change(api, first["id"], status="in_progress")

    everything = await _feed(api)
    assert [e["type"] for e in everything["data"]] == ["ticket.created", "ticket.status_changed"]

    second = await api.create_ticket()
    await _change(api, second["id"], priority="low")
    newer = await _feed(api, after=everything["next_cursor"])
    assert [(e["type"], e["subject"]) for e in newer["data"]] == [
        ("ticket.created", str(second["id"])),
        ("ticket.updated", str(second["id"])),
    ]

    caught_up = await _feed(api, after=newer["next_cursor"])
    assert caught_up["data"] == []
    assert caught_up["next_cursor"] == newer["next_cursor"]  # keep polling from here

    created = await _feed(api, type="ticket.created")
    assert [e["subject"] for e in created["data"]] == [str(first["id"]), str(second["id"])]

    paged = await _feed(api, limit=3)
    assert len(paged["data"]) == 3
    rest = await _feed(api, after=paged["next_cursor"], limit=3)
    assert [e["id"] for e in paged["data"] + rest["data"]] == [
        e["id"] for e in everything["data"] + newer["data"]
    ]


async def test_the_feed_rejects_a_bad_cursor(api: Api) -> None:
    response = await api.client.get("/v1/events", params={"after": "-1"}, headers=api.admin)
    assert response.status_code == 422
    assert response.json()["code"] == "validation_failed"


async def test_ticket_created_carries_the_real_ticket_id_in_history_and_feed(api: Api) -> None:
    first = await api.create_ticket()
    second = await api.create_ticket(title="Second printer")

    history = await api.client.get(f"/v1/tickets/{second['id']}/history", headers=api.admin)
    created = await _feed(api, type="ticket.created")

    [event] = history.json()["data"]
    assert event["data"]["ticket"]["id"] == second["id"]
    assert event["data"]["ticket"]["title"] == "Second printer"
    assert [e["data"]["ticket"]["id"] for e in created["data"]] == [first["id"], second["id"]]


async def test_sequences_sort_as_text_in_history_and_feed_past_9_and_99(api: Api) -> None:
    ticket = await api.create_ticket()
    for n in range(100):  # 101 events: the created one and 100 updates
        await _change(api, ticket["id"], title=f"Printer on fire, take {n}")
    history: list[dict[str, Any]] = []
    cursor = None
    while True:
        params = {"limit": 100, **({"cursor": cursor} if cursor else {})}
        url = f"/v1/tickets/{ticket['id']}/history"
        page = (await api.client.get(url, params=params, headers=api.admin)).json()
        history += page["data"]
        if (cursor := page["next_cursor"]) is None:
            break
    feed = (await _feed(api, limit=1000))["data"]

    for events in (history, [e for e in feed if e["subject"] == str(ticket["id"])]):
        sequences = [e["sequence"] for e in events]
        assert len(sequences) == 101
        assert sorted(sequences) == sequences  # as text
        assert [int(s) for s in sequences] == list(range(1, 102))
        assert sequences[8:10] == ["0000000009", "0000000010"]
        assert sequences[98:100] == ["0000000099", "0000000100"]
        read = [sdk_cloudevent(e) for e in events[97:101]]  # the CloudEvents SDK reads them
        assert [r.get_extension("sequence") for r in read] == sequences[97:101]
        assert {r.get_source() for r in read} == {"/tessera"}  # the default namespace


@pytest.fixture
async def sourced_api(
    database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> AsyncIterator[Api]:
    monkeypatch.setenv("TESSERA_EVENT_SOURCE", "https://support.example.com")
    storage = StorageSettings(directory=tmp_path / "attachments")
    async for api in serve_api(database_url, Overrides(), storage=storage):
        yield api


async def test_the_source_is_the_configured_deployment_name(sourced_api: Api) -> None:
    ticket = await sourced_api.create_ticket()
    url = f"/v1/tickets/{ticket['id']}/history"
    history = (await sourced_api.client.get(url, headers=sourced_api.admin)).json()["data"]
    feed = (await _feed(sourced_api))["data"]
    assert {e["source"] for e in history + feed} == {"https://support.example.com"}
