"""``include=users,groups,organizations`` on ticket reads and lists, on SQLite and
PostgreSQL: what the tickets name comes along, with one query per included kind however
many tickets the page holds."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event

from tessera.application.people.side_load import Included
from tessera.application.queries import ListTickets
from tests.e2e.conftest import Api
from tests.e2e.test_people_api import assert_envelope, create_user
from tests.e2e.test_people_tickets import create_group

EVERY_KIND = "users,groups,organizations"


@contextmanager
def counted_statements(api: Api) -> Iterator[list[str]]:
    engine = api.container.engine.sync_engine
    seen: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)


async def _tickets(api: Api, count: int) -> list[dict[str, Any]]:
    await api.client.post(
        "/v1/organizations", json={"name": "Acme", "domains": ["acme.example"]}, headers=api.admin
    )
    grace = await create_user(api)
    group = await create_group(api, "Billing", grace["id"])
    made = []
    for n in range(count):
        ticket = await api.create_ticket(customer_email=f"c{n}@acme.example", group_id=group)
        assigned = await api.client.patch(
            f"/v1/tickets/{ticket['id']}", json={"assignee_id": grace["id"]}, headers=api.admin
        )
        made.append(assigned.json())
    return made


async def test_a_list_side_loads_the_people_and_groups_it_names(api: Api) -> None:
    tickets = await _tickets(api, 3)
    response = await api.client.get(
        "/v1/tickets", params={"include": EVERY_KIND}, headers=api.admin
    )
    assert response.status_code == 200, response.text
    body = response.json()
    included = body["included"]
    user_ids = {t["requester_id"] for t in tickets} | {t["assignee_id"] for t in tickets}
    assert {u["id"] for u in included["users"]} == user_ids
    assert [g["name"] for g in included["groups"]] == ["Billing"]
    assert [o["name"] for o in included["organizations"]] == ["Acme"]
    only_users = await api.client.get("/v1/tickets", params={"include": "users"}, headers=api.admin)
    assert set(only_users.json()["included"]) == {"users"}
    plain = await api.client.get("/v1/tickets", headers=api.admin)
    assert "included" not in plain.json()


async def test_a_single_ticket_side_loads_and_keeps_its_etag(api: Api) -> None:
    (ticket,) = await _tickets(api, 1)
    path = f"/v1/tickets/{ticket['id']}"
    response = await api.client.get(path, params={"include": "users"}, headers=api.admin)
    body = response.json()
    assert {u["id"] for u in body.pop("included")["users"]} == {
        ticket["requester_id"],
        ticket["assignee_id"],
    }
    plain = await api.client.get(path, headers=api.admin)
    assert body == plain.json()
    assert response.headers["ETag"] == plain.headers["ETag"]


async def test_a_customer_side_loads_no_groups(api: Api) -> None:
    (ticket,) = await _tickets(api, 1)
    secret = await api.token("requester", email="c0@acme.example")
    response = await api.client.get(
        f"/v1/tickets/{ticket['id']}", params={"include": EVERY_KIND}, headers=api.auth(secret)
    )
    assert response.status_code == 200, response.text
    assert response.json()["included"]["groups"] == []


async def test_an_unknown_kind_is_422(api: Api) -> None:
    response = await api.client.get(
        "/v1/tickets", params={"include": "users,pets"}, headers=api.admin
    )
    assert_envelope(response, 422, "validation_failed")


async def test_one_query_per_included_kind_whatever_the_page_size(api: Api) -> None:
    tickets = await _tickets(api, 6)
    admin = await api.container.services.authenticate(api.admin["Authorization"][7:])
    views = (await api.container.services.get_ticket(tickets[0]["id"], principal=admin),)
    page = await api.container.services.list_tickets(
        ListTickets(limit=25),
        principal=admin,
    )
    for sample in (list(views), page.items):
        for kinds, queries in (
            (frozenset(Included), 3),
            (frozenset({Included.USERS}), 1),
            (frozenset({Included.GROUPS}), 1),
        ):
            with counted_statements(api) as seen:
                await api.container.services.side_load(sample, kinds, principal=admin)
            assert len(seen) == queries, seen
    assert len(page.items) == 6
