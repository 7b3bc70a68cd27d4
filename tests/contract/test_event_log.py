"""EventLog contract: a ticket's history in sequence order, and the feed of every committed
event in commit order, resumable from ``next_position`` and filterable by type."""

from __future__ import annotations

from datetime import UTC, datetime

from tessera.domain.tickets.sla import SlaPolicy
from tessera.domain.tickets.ticket import Ticket, TicketChanges
from tessera.domain.tickets.values import Title
from tests.contract.conftest import Adapters
from tests.support import make_ticket

SLA = SlaPolicy()
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


async def create(adapters: Adapters, title: str) -> Ticket:
    ticket = make_ticket(title=title)
    async with adapters.uow() as uow:
        await uow.tickets.add(ticket)
        await uow.commit()
    return ticket


async def rename(adapters: Adapters, ticket: Ticket, title: str) -> None:
    async with adapters.uow() as uow:
        loaded = await uow.tickets.get(ticket.id)
        assert loaded is not None
        loaded.apply(TicketChanges(title=Title(title)), actor="a", now=NOW, sla=SLA)
        await uow.tickets.save(loaded)
        await uow.commit()


async def test_an_empty_log_ends_at_zero(adapters: Adapters) -> None:
    assert await adapters.event_log.end() == 0
    page = await adapters.event_log.feed(after=0, limit=10, types=())
    assert (page.entries, page.next_position) == ([], 0)
    assert await adapters.event_log.history(1, after_sequence=0, limit=10) == []


async def test_history_is_one_tickets_events_in_sequence_order_from_a_point(
    adapters: Adapters,
) -> None:
    ada, bob = await create(adapters, "Ada"), await create(adapters, "Bob")
    for n in range(3):
        await rename(adapters, ada, f"Ada {n}")
    await rename(adapters, bob, "Bob 1")
    log = adapters.event_log
    assert [e.sequence for e in await log.history(ada.id, after_sequence=0, limit=10)] == [
        1,
        2,
        3,
        4,
    ]
    assert [e.sequence for e in await log.history(ada.id, after_sequence=1, limit=2)] == [2, 3]
    events = await log.history(bob.id, after_sequence=0, limit=10)
    assert [(e.type, e.ticket_id) for e in events] == [
        ("ticket.created", bob.id),
        ("ticket.updated", bob.id),
    ]
    assert all(e.time.tzinfo is not None for e in events)


async def test_the_feed_pages_in_commit_order_without_gaps_or_repeats(adapters: Adapters) -> None:
    tickets = [await create(adapters, f"T{n}") for n in range(3)]
    await rename(adapters, tickets[0], "T0 again")
    await adapters.sequence()
    log = adapters.event_log
    seen: list[tuple[int, int]] = []
    after = 0
    for _ in range(10):  # bounded: 4 events, 3 per page
        page = await log.feed(after=after, limit=3, types=())
        seen += [(entry.event.ticket_id, entry.event.sequence) for entry in page.entries]
        assert all(entry.position > after for entry in page.entries)
        if page.next_position == after:
            break
        after = page.next_position
    ids = [t.id for t in tickets]
    assert seen == [(ids[0], 1), (ids[1], 1), (ids[2], 1), (ids[0], 2)]
    assert after == await log.end()


async def test_a_filtered_feed_resumes_past_the_events_it_left_out(adapters: Adapters) -> None:
    ticket = await create(adapters, "One")
    await rename(adapters, ticket, "Two")
    await rename(adapters, ticket, "Three")
    await adapters.sequence()
    log = adapters.event_log
    page = await log.feed(after=0, limit=10, types=("ticket.created",))
    assert [e.event.type for e in page.entries] == ["ticket.created"]
    assert page.next_position == await log.end() == 3
    again = await log.feed(after=page.next_position, limit=10, types=("ticket.created",))
    assert (again.entries, again.next_position) == ([], 3)


async def test_history_outlives_the_ticket(adapters: Adapters) -> None:
    ticket = await create(adapters, "Short-lived")
    async with adapters.uow() as uow:
        loaded = await uow.tickets.get(ticket.id)
        assert loaded is not None
        loaded.delete(actor="a", now=NOW)
        await uow.tickets.delete(loaded)
        await uow.commit()
    events = await adapters.event_log.history(ticket.id, after_sequence=0, limit=10)
    assert [e.type for e in events] == ["ticket.created", "ticket.deleted"]
