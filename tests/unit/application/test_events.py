"""Event reading use cases on the in-memory event log: history, feed, and who may read."""

from __future__ import annotations

import pytest

from tessera.application.errors import ForbiddenError, TicketNotFoundError
from tessera.application.tickets.commands import CreateTicket, UpdateTicket
from tests.unit.application.conftest import App

NEW = CreateTicket(title="Printer", description="It is on fire.", customer_email="a@example.com")


async def test_history_is_in_sequence_order_and_pages(app: App) -> None:
    agent = await app.principal("agent")
    ticket = await app.services.create_ticket(NEW, principal=agent)
    other = await app.services.create_ticket(NEW, principal=agent)
    for priority in ("high", "low"):
        await app.services.update_ticket(
            UpdateTicket(ticket_id=ticket.id, priority=priority), principal=agent
        )

    page = await app.services.ticket_history(ticket.id, principal=agent, after_sequence=0, limit=2)
    rest = await app.services.ticket_history(ticket.id, principal=agent, after_sequence=2, limit=2)

    assert [(e.type, e.sequence) for e in page] == [("ticket.created", 1), ("ticket.updated", 2)]
    assert [e.sequence for e in rest] == [3]
    assert {e.ticket_id for e in page + rest} == {ticket.id} != {other.id}


async def test_history_refuses_requesters_and_unknown_tickets(app: App) -> None:
    agent = await app.principal("agent")
    requester = await app.principal("requester", email="a@example.com")
    ticket = await app.services.create_ticket(NEW, principal=requester)

    with pytest.raises(ForbiddenError):
        await app.services.ticket_history(ticket.id, principal=requester, after_sequence=0, limit=5)
    with pytest.raises(TicketNotFoundError):
        await app.services.ticket_history(404, principal=agent, after_sequence=0, limit=5)
    with pytest.raises(ForbiddenError):
        await app.services.event_feed(principal=requester, after=0, limit=5)


async def test_the_feed_filters_by_type_and_resumes_from_its_position(app: App) -> None:
    admin = await app.principal("admin")
    # People events (the admin's and the customer's user.created) hold positions too, but
    # the feed without types reads a ticket's events only.
    first = await app.services.create_ticket(NEW, principal=admin)
    await app.services.update_ticket(
        UpdateTicket(ticket_id=first.id, status="in_progress"), principal=admin
    )
    end = await app.services.event_feed(principal=admin, after=None, limit=10)
    assert end.entries == []
    assert end.next_position == 4
    everything = await app.services.event_feed(principal=admin, after=0, limit=10)
    assert [e.event.type for e in everything.entries] == ["ticket.created", "ticket.status_changed"]
    people = await app.services.event_feed(
        principal=admin, after=0, limit=10, types=("user.created",)
    )
    assert [e.event.subject for e in people.entries] == [
        f"users/{admin.user_id}",
        f"users/{first.requester_id}",
    ]

    second = await app.services.create_ticket(NEW, principal=admin)
    since = await app.services.event_feed(principal=admin, after=end.next_position, limit=10)
    created = await app.services.event_feed(
        principal=admin, after=0, limit=10, types=("ticket.created",)
    )

    assert [(e.position, e.event.ticket_id) for e in since.entries] == [(5, second.id)]
    assert [e.event.ticket_id for e in created.entries] == [first.id, second.id]
    assert created.next_position == 5  # past the filtered-out event, at the end
