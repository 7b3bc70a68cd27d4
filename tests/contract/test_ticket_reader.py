"""TicketReader contract: filters, sort orders and keyset pages agree across adapters."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from typing import Any

import pytest

from tessera.application.queries import ListTickets, SlaView, TicketSort
from tessera.domain.errors import DomainValidationError
from tessera.domain.tickets.values import Priority
from tests.contract.conftest import Adapters
from tests.support import make_ticket

PRIORITIES = [Priority.LOW, Priority.CRITICAL, Priority.MEDIUM, Priority.HIGH]


async def seed(adapters: Adapters, n: int) -> None:
    async with adapters.uow() as uow:
        for i in range(n):
            # Pairs share a creation time, so the id tie-breaker is exercised.
            ticket = make_ticket(
                priority=PRIORITIES[i % 4],
                tags=("even",) if i % 2 == 0 else (),
                customer_email=f"c{i % 3}@example.com",
            )
            ticket.created_at += timedelta(minutes=i // 2)
            ticket.updated_at = ticket.created_at + timedelta(minutes=(7 * i) % 5)
            await uow.tickets.add(ticket)
        await uow.commit()


async def walk(adapters: Adapters, query: ListTickets) -> list[int]:
    seen: list[int] = []
    cursor = None
    while True:
        page = await adapters.reader.list(dataclasses.replace(query, cursor=cursor))
        seen += [t.id for t in page.items]
        cursor = page.next_cursor
        if cursor is None:
            return seen


@pytest.mark.parametrize("sort", list(TicketSort))
async def test_every_sort_order_pages_without_gaps_or_duplicates(
    adapters: Adapters, sort: TicketSort
) -> None:
    await seed(adapters, 11)
    everything = await adapters.reader.list(ListTickets(sort=sort, limit=100))
    paged = await walk(adapters, ListTickets(sort=sort, limit=3))
    assert paged == [t.id for t in everything.items]
    assert sorted(paged) == list(range(1, 12))


async def test_orders_are_what_they_say(adapters: Adapters) -> None:
    await seed(adapters, 8)
    newest = (await adapters.reader.list(ListTickets(sort=TicketSort.CREATED_AT_DESC))).items
    assert [t.id for t in newest] == [8, 7, 6, 5, 4, 3, 2, 1]
    urgent = (await adapters.reader.list(ListTickets(sort=TicketSort.PRIORITY))).items
    assert [t.priority for t in urgent] == ["critical"] * 2 + ["high"] * 2 + ["medium"] * 2 + [
        "low"
    ] * 2
    assert [t.id for t in urgent][:2] == [2, 6]


async def test_filters(adapters: Adapters) -> None:
    await seed(adapters, 8)
    tagged = await walk(adapters, ListTickets(tag="even", sort=TicketSort.CREATED_AT))
    assert tagged == [1, 3, 5, 7]
    high = await walk(adapters, ListTickets(priority=Priority.HIGH, sort=TicketSort.CREATED_AT))
    assert high == [4, 8]
    mail = await walk(
        adapters, ListTickets(customer_email="C1@example.com", sort=TicketSort.CREATED_AT)
    )
    assert mail == [2, 5, 8]
    assert await walk(adapters, ListTickets(unassigned=True)) == list(range(8, 0, -1))


async def test_a_cursor_for_another_sort_is_refused(adapters: Adapters) -> None:
    await seed(adapters, 4)
    page = await adapters.reader.list(ListTickets(sort=TicketSort.CREATED_AT, limit=2))
    assert page.next_cursor is not None
    with pytest.raises(DomainValidationError):
        await adapters.reader.list(ListTickets(sort=TicketSort.PRIORITY, cursor=page.next_cursor))


@pytest.mark.parametrize("sort", list(TicketSort))
async def test_paging_while_tickets_are_inserted_misses_and_repeats_nothing(
    adapters: Adapters, sort: TicketSort
) -> None:
    await seed(adapters, 23)
    before = {t.id for t in (await adapters.reader.list(ListTickets(limit=100))).items}
    seen: list[int] = []
    cursor = None
    for round_ in range(100):
        page = await adapters.reader.list(ListTickets(sort=sort, limit=4, cursor=cursor))
        seen += [t.id for t in page.items]
        # Another writer inserts between the reader's pages: before, between and after the
        # keys already read (a newer and an older creation time, every priority).
        async with adapters.uow() as uow:
            for shift in (-10_000, 10_000):
                newcomer = make_ticket(priority=PRIORITIES[round_ % 4])
                newcomer.created_at += timedelta(minutes=shift + round_)
                newcomer.updated_at = newcomer.created_at
                await uow.tickets.add(newcomer)
            await uow.commit()
        cursor = page.next_cursor
        if cursor is None:
            break
    assert len(seen) == len(set(seen)), "a ticket was listed twice"
    assert before <= set(seen), f"missed {sorted(before - set(seen))}"


async def test_sla_and_text_filters(adapters: Adapters) -> None:
    now = make_ticket().created_at
    async with adapters.uow() as uow:
        for title, priority in (
            ("Printer jammed", Priority.CRITICAL),
            ("Printer offline", Priority.LOW),
            ("Password refused", Priority.CRITICAL),
        ):
            await uow.tickets.add(make_ticket(title=title, priority=priority, now=now))
        await uow.commit()

    def at(hours: float, **fields: Any) -> ListTickets:
        return ListTickets(sort=TicketSort.CREATED_AT, now=now + timedelta(hours=hours), **fields)

    assert [t.id for t in (await adapters.reader.list(at(0, q="printer"))).items] == [1, 2]
    assert [t.id for t in (await adapters.reader.list(at(0, q="printer jammed"))).items] == [1]
    breached = await adapters.reader.list(at(1.5, sla=SlaView.BREACHED))
    assert [t.id for t in breached.items] == [1, 3]
    at_risk = await adapters.reader.list(at(0.5, sla=SlaView.AT_RISK))
    assert [t.id for t in at_risk.items] == [1, 3]
    combined = await adapters.reader.list(at(1.5, sla=SlaView.BREACHED, q="printer"))
    assert [t.id for t in combined.items] == [1]
