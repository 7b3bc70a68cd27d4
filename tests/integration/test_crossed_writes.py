"""Crossed merges and overlapping bulk updates on PostgreSQL: rows are locked in one order, so
concurrent requests queue instead of deadlocking, and none answers 5xx."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tessera.application.errors import ConflictError
from tessera.bootstrap.container import build_container
from tessera.domain.tickets.sla import SlaPolicy
from tessera.domain.tickets.ticket import Ticket, TicketChanges
from tessera.domain.tickets.values import Title
from tessera.infrastructure.persistence.engine import create_engine
from tessera.infrastructure.persistence.unit_of_work import SqlAlchemyUnitOfWork
from tessera.presentation.http.app import create_app
from tests.e2e.conftest import ADMIN_SECRET, settings_for
from tests.support import make_ticket

pytestmark = pytest.mark.postgres

HEADERS = {"Authorization": f"Bearer {ADMIN_SECRET}"}
ENVELOPE = {"error", "code", "details", "request_id"}


@pytest.fixture
async def client(postgres_url: str) -> AsyncIterator[httpx.AsyncClient]:
    container = build_container(settings_for(postgres_url))
    await container.start()
    transport = httpx.ASGITransport(app=create_app(container.services), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t", headers=HEADERS) as c:
        yield c
    await container.close()


async def _tickets(client: httpx.AsyncClient, count: int) -> list[int]:
    ids = []
    for n in range(count):
        body = {"title": f"Dup {n}", "description": "Seen twice.", "customer_email": "a@b.co"}
        created = await client.post("/v1/tickets", json=body)
        assert created.status_code == 201, created.text
        ids.append(created.json()["id"])
    return ids


def _refusals_are_enveloped(responses: list[httpx.Response], allowed: set[int]) -> None:
    for response in responses:
        assert response.status_code in {200, *allowed}, response.text
        if response.status_code != 200:
            assert set(response.json()) == ENVELOPE


async def test_twenty_crossed_merges_never_fail_and_merge_each_ticket_at_most_once(
    client: httpx.AsyncClient,
) -> None:
    ids = await _tickets(client, 5)
    pairs = list(itertools.permutations(ids, 2))  # 20: A into B and B into A, for every pair
    responses = await asyncio.gather(
        *(client.post(f"/v1/tickets/{a}/merge", json={"into": b}) for a, b in pairs)
    )
    _refusals_are_enveloped(list(responses), {404, 409, 422})

    merged = [pair for pair, r in zip(pairs, responses, strict=True) if r.status_code == 200]
    tickets: dict[int, dict[str, Any]] = {}
    for ticket_id in ids:
        tickets[ticket_id] = (await client.get(f"/v1/tickets/{ticket_id}")).json()
    assert merged  # the first merge of each pair has nothing in its way
    assert len({source for source, _ in merged}) == len(merged)  # at most once per source
    for source, target in merged:
        assert tickets[source]["merged_into_id"] == target
        assert tickets[source]["status"] == "closed"
    for ticket_id in ids:  # following merged_into never comes back round
        seen, current = {ticket_id}, tickets[ticket_id]["merged_into_id"]
        while current is not None:
            assert current not in seen
            seen.add(current)
            current = tickets[current]["merged_into_id"]


async def test_twenty_bulk_updates_over_overlapping_tickets_all_apply(
    client: httpx.AsyncClient,
) -> None:
    ids = await _tickets(client, 8)
    # Windows of five over the eight tickets, half of them listed backwards.
    batches = [ids[n % 4 : n % 4 + 5][:: 1 if n % 2 else -1] for n in range(20)]
    responses = await asyncio.gather(
        *(
            client.post("/v1/tickets/bulk", json={"ids": batch, "changes": {"add_tags": [f"b{n}"]}})
            for n, batch in enumerate(batches)
        )
    )
    _refusals_are_enveloped(list(responses), {404, 409, 422})

    applied = [n for n, r in enumerate(responses) if r.status_code == 200]
    assert len(applied) == len(batches)
    for ticket_id in ids:
        ticket = (await client.get(f"/v1/tickets/{ticket_id}")).json()
        wanted = {f"b{n}" for n in applied if ticket_id in batches[n]}
        assert set(ticket["tags"]) == wanted
        assert ticket["version"] == 1 + len(wanted)


async def test_a_deadlock_is_a_conflict_that_the_use_case_may_run_again(postgres_url: str) -> None:
    """Two units of work that write two tickets in opposite orders (as plain loads do): the
    database picks a victim, and the victim's unit of work reports a ConflictError, which
    use cases retry, instead of a raw database error."""
    engine = create_engine(postgres_url)
    first, second = make_ticket(), make_ticket()
    async with SqlAlchemyUnitOfWork(engine) as uow:
        await uow.tickets.add(first)
        await uow.tickets.add(second)
        await uow.commit()
    both_hold_one = asyncio.Barrier(2)

    def rename(ticket: Ticket, title: str) -> None:
        changes = TicketChanges(title=Title(title))
        ticket.apply(changes, actor="a", now=ticket.created_at, sla=SlaPolicy())

    async def cross(one: int, other: int) -> str:
        try:
            async with SqlAlchemyUnitOfWork(engine) as uow:
                a, b = await uow.tickets.get(one), await uow.tickets.get(other)
                assert a is not None and b is not None
                rename(a, f"by {one}")
                await uow.tickets.save(a)
                await both_hold_one.wait()
                rename(b, f"by {one}")
                await uow.tickets.save(b)
                await uow.commit()
        except ConflictError:
            return "conflict"
        return "committed"

    try:
        outcomes = await asyncio.gather(cross(first.id, second.id), cross(second.id, first.id))
    finally:
        await engine.dispose()
    assert sorted(outcomes) == ["committed", "conflict"]
