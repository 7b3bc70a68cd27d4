"""Following one ticket live: access is checked before anything streams, and only that
ticket's entries, from the moment of the call, are handed on."""

from __future__ import annotations

import asyncio

import pytest

from tessera.application.errors import ForbiddenError, TicketNotFoundError
from tessera.application.tickets.commands import CreateTicket, UpdateTicket
from tests.unit.application.conftest import App


def new(title: str) -> CreateTicket:
    return CreateTicket(
        title=title, description="It is really on fire now.", customer_email="bob@example.com"
    )


async def test_only_the_tickets_entries_after_the_call_are_followed(app: App) -> None:
    agent = await app.principal("agent")
    mine = await app.services.create_ticket(new("Printer on fire"), principal=agent)
    other = await app.services.create_ticket(new("Toner low"), principal=agent)
    entries = await app.services.follow_ticket(mine.id, principal=agent, after=None)

    await app.services.update_ticket(
        UpdateTicket(ticket_id=other.id, priority="high"), principal=agent
    )
    await app.services.update_ticket(
        UpdateTicket(ticket_id=mine.id, status="pending"), principal=agent
    )
    async with asyncio.timeout(5):
        entry = await anext(entries)
    assert (entry.event.ticket_id, entry.event.type) == (mine.id, "ticket.status_changed")
    # The agent's and the customer's user.created, two creations and the other ticket's
    # change came before.
    assert entry.position == 6
    await entries.aclose()


async def test_a_resumed_follow_starts_after_the_position_given(app: App) -> None:
    agent = await app.principal("agent")
    mine = await app.services.create_ticket(new("Printer on fire"), principal=agent)
    entries = await app.services.follow_ticket(mine.id, principal=agent, after=0)
    async with asyncio.timeout(5):
        entry = await anext(entries)
    # After the agent's and the customer's user.created: a ticket's follow skips people events.
    assert (entry.position, entry.event.type) == (3, "ticket.created")
    await entries.aclose()


async def test_customers_and_missing_tickets_are_refused_before_anything_streams(
    app: App,
) -> None:
    agent = await app.principal("agent")
    customer = await app.principal("requester", email="bob@example.com")
    mine = await app.services.create_ticket(new("Printer on fire"), principal=agent)
    with pytest.raises(ForbiddenError):
        await app.services.follow_ticket(mine.id, principal=customer, after=None)
    with pytest.raises(TicketNotFoundError):
        await app.services.follow_ticket(404, principal=agent, after=None)
