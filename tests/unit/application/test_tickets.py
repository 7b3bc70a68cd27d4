"""Ticket use cases on the in-memory adapters: authorisation, validation, events, concurrency."""

from __future__ import annotations

import pytest

from tessera.application.errors import (
    ConflictError,
    ForbiddenError,
    PreconditionFailedError,
    TicketNotFoundError,
)
from tessera.application.queries import ListTickets
from tessera.application.tickets.commands import CreateTicket, DeleteTicket, UpdateTicket
from tessera.domain.errors import DomainValidationError
from tessera.domain.events import TicketCreated, TicketDeleted, TicketStatusChanged, UserCreated
from tessera.domain.tickets.sla import SlaPolicy
from tessera.domain.tickets.ticket import TicketChanges
from tessera.domain.tickets.values import Title
from tests.unit.application.conftest import App

NEW = CreateTicket(
    title="Printer on fire",
    description="It is really on fire now.",
    customer_email="Bob@Example.com",
    priority="high",
    tags=("hardware",),
)


async def test_an_agent_opens_a_ticket_and_the_creation_event_is_committed(app: App) -> None:
    agent = await app.principal("agent")
    view = await app.services.create_ticket(NEW, principal=agent)
    assert (view.id, view.status, view.priority, view.customer_email) == (
        1,
        "open",
        "high",
        "Bob@example.com",
    )
    agent_created, customer_created, event = app.store.events
    assert isinstance(event, TicketCreated)
    assert event.ticket_id == 1
    assert event.actor == agent.actor
    # The new customer is recorded too, as created by the agent who filed the ticket.
    assert isinstance(agent_created, UserCreated) and agent_created.subject_id == agent.user_id
    assert isinstance(customer_created, UserCreated)
    assert (customer_created.subject_id, customer_created.actor) == (view.requester_id, agent.actor)
    assert customer_created.user["email"] == "Bob@example.com"


async def test_every_bad_field_is_reported_at_once(app: App) -> None:
    agent = await app.principal("agent")
    bad = CreateTicket(
        title=" ",
        description="short",
        customer_email="nope",
        priority="urgent",
        tags=("no spaces",),
    )
    with pytest.raises(DomainValidationError) as caught:
        await app.services.create_ticket(bad, principal=agent)
    fields = {e.field for e in caught.value.errors}
    assert fields == {"title", "description", "customer_email", "priority", "tags"}
    assert app.store.tickets == {}


async def test_a_requester_files_only_for_their_own_address(app: App) -> None:
    requester = await app.principal("requester", email="Bob@example.com")
    view = await app.services.create_ticket(NEW, principal=requester)
    assert view.customer_email == "Bob@example.com"
    other = CreateTicket(
        title="Hi", description="Somebody else's ticket.", customer_email="eve@example.com"
    )
    with pytest.raises(ForbiddenError):
        await app.services.create_ticket(other, principal=requester)


async def test_a_requester_cannot_see_another_customers_ticket_and_learns_nothing(app: App) -> None:
    agent = await app.principal("agent")
    view = await app.services.create_ticket(NEW, principal=agent)
    stranger = await app.principal("requester", email="eve@example.com")
    with pytest.raises(TicketNotFoundError):
        await app.services.get_ticket(view.id, principal=stranger)
    page = await app.services.list_tickets(ListTickets(), principal=stranger)
    assert page.items == []
    snooping = await app.services.list_tickets(
        ListTickets(customer_email="bob@example.com"), principal=stranger
    )
    assert snooping.items == []


async def test_update_with_a_stale_version_is_refused(app: App) -> None:
    agent = await app.principal("agent")
    view = await app.services.create_ticket(NEW, principal=agent)
    await app.services.update_ticket(
        UpdateTicket(ticket_id=view.id, status="in_progress"), principal=agent
    )
    with pytest.raises(PreconditionFailedError):
        await app.services.update_ticket(
            UpdateTicket(ticket_id=view.id, expected_version=1, status="pending"), principal=agent
        )


async def test_status_change_records_its_event_and_bumps_the_version(app: App) -> None:
    agent = await app.principal("agent")
    view = await app.services.create_ticket(NEW, principal=agent)
    updated = await app.services.update_ticket(
        UpdateTicket(ticket_id=view.id, expected_version=1, status="resolved"), principal=agent
    )
    assert updated.version == 2
    assert updated.resolved_at == app.clock.now()
    assert isinstance(app.store.events[-1], TicketStatusChanged)


async def test_requesters_may_not_update_and_agents_may_not_delete(app: App) -> None:
    agent = await app.principal("agent")
    requester = await app.principal("requester", email="Bob@example.com")
    view = await app.services.create_ticket(NEW, principal=agent)
    with pytest.raises(ForbiddenError):
        await app.services.update_ticket(
            UpdateTicket(ticket_id=view.id, title="x"), principal=requester
        )
    with pytest.raises(ForbiddenError):
        await app.services.delete_ticket(DeleteTicket(ticket_id=view.id), principal=agent)


async def test_an_admin_deletes_and_the_deletion_is_the_last_event(app: App) -> None:
    admin = await app.principal("admin")
    view = await app.services.create_ticket(NEW, principal=admin)
    await app.services.delete_ticket(DeleteTicket(ticket_id=view.id), principal=admin)
    assert isinstance(app.store.events[-1], TicketDeleted)
    with pytest.raises(TicketNotFoundError):
        await app.services.get_ticket(view.id, principal=admin)


async def test_assignee_must_be_an_active_agent(app: App) -> None:
    agent = await app.principal("agent")
    requester = await app.principal("requester", email="Bob@example.com")
    view = await app.services.create_ticket(NEW, principal=agent)
    with pytest.raises(DomainValidationError):
        await app.services.update_ticket(
            UpdateTicket(ticket_id=view.id, assignee_id=requester.token_id), principal=agent
        )
    assigned = await app.services.update_ticket(
        UpdateTicket(ticket_id=view.id, assignee_id=agent.token_id), principal=agent
    )
    assert assigned.assignee_id == agent.token_id


async def test_two_writers_from_the_same_version_one_wins(app: App) -> None:
    """The cosmicpython test: both load version 1, the second commit loses."""
    agent = await app.principal("agent")
    view = await app.services.create_ticket(NEW, principal=agent)
    first, second = app.services.update_ticket._uow(), app.services.update_ticket._uow()
    one = await first.tickets.get(view.id)
    two = await second.tickets.get(view.id)
    assert one is not None
    assert two is not None
    one.apply(TicketChanges(title=Title("one")), actor="a", now=app.clock.now(), sla=SlaPolicy())
    two.apply(TicketChanges(title=Title("two")), actor="b", now=app.clock.now(), sla=SlaPolicy())
    await first.tickets.save(one)
    await first.commit()
    with pytest.raises(ConflictError):
        await second.tickets.save(two)
    assert app.store.tickets[view.id].title == "one"
