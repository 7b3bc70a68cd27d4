"""The Ticket aggregate: versions, status side effects, SLA due dates and recorded events."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tessera.domain.errors import InvalidStatusTransitionError
from tessera.domain.events import (
    TicketAssigned,
    TicketCreated,
    TicketDeleted,
    TicketStatusChanged,
    TicketUpdated,
)
from tessera.domain.tickets.sla import SlaPolicy
from tessera.domain.tickets.status import TRANSITIONS, Status
from tessera.domain.tickets.ticket import TicketChanges
from tessera.domain.tickets.values import Priority, Title, parse_tags
from tests.support import make_ticket

SLA = SlaPolicy()


def test_a_new_ticket_is_open_at_version_one_and_records_its_creation() -> None:
    ticket = make_ticket(priority=Priority.HIGH)
    assert (ticket.status, ticket.version) == (Status.OPEN, 1)
    [event] = ticket._events
    assert isinstance(event, TicketCreated)
    assert event.sequence == 1
    assert event.snapshot["title"] == "Cannot log in"


@pytest.mark.parametrize(
    ("priority", "first_response", "resolution"),
    [
        (Priority.CRITICAL, 1, 4),
        (Priority.HIGH, 4, 24),
        (Priority.MEDIUM, 8, 72),
        (Priority.LOW, 24, 120),
    ],
)
def test_due_dates_follow_the_default_policy(
    priority: Priority, first_response: int, resolution: int
) -> None:
    ticket = make_ticket(priority=priority)
    assert ticket.first_response_due_at - ticket.created_at == timedelta(hours=first_response)
    assert ticket.resolution_due_at - ticket.created_at == timedelta(hours=resolution)


def test_a_priority_change_recomputes_the_due_dates_from_creation() -> None:
    ticket = make_ticket(priority=Priority.LOW)
    later = ticket.created_at + timedelta(hours=2)
    ticket.apply(TicketChanges(priority=Priority.CRITICAL), actor="a", now=later, sla=SLA)
    assert ticket.first_response_due_at == ticket.created_at + timedelta(hours=1)
    assert ticket.resolution_due_at == ticket.created_at + timedelta(hours=4)


def test_one_change_of_several_fields_is_one_version_with_one_event_per_kind() -> None:
    ticket = make_ticket()
    ticket.pull_events()
    now = ticket.created_at + timedelta(minutes=5)
    changed = ticket.apply(
        TicketChanges(
            title=Title("New title"),
            status=Status.IN_PROGRESS,
            assignee_id=7,
            tags=parse_tags(["vip"]),
        ),
        actor="token:2",
        now=now,
        sla=SLA,
    )
    assert changed
    assert ticket.version == 2
    assert ticket.updated_at == now
    events = ticket.pull_events()
    assert [type(e) for e in events] == [TicketUpdated, TicketStatusChanged, TicketAssigned]
    assert [e.sequence for e in events] == [2, 3, 4]
    updated = events[0]
    assert isinstance(updated, TicketUpdated)
    assert updated.changes == {
        "title": {"old": "Cannot log in", "new": "New title"},
        "tags": {"old": [], "new": ["vip"]},
    }


def test_a_change_that_changes_nothing_keeps_the_version_and_records_nothing() -> None:
    ticket = make_ticket()
    ticket.pull_events()
    same = TicketChanges(title=ticket.title, priority=ticket.priority, status=ticket.status)
    assert not ticket.apply(same, actor="a", now=ticket.created_at, sla=SLA)
    assert ticket.version == 1
    assert ticket.pull_events() == []


def test_resolving_sets_resolved_at_and_reopening_clears_it() -> None:
    ticket = make_ticket()
    t1 = ticket.created_at + timedelta(hours=1)
    ticket.apply(TicketChanges(status=Status.RESOLVED), actor="a", now=t1, sla=SLA)
    assert ticket.resolved_at == t1
    ticket.apply(TicketChanges(status=Status.OPEN), actor="a", now=t1 + timedelta(hours=1), sla=SLA)
    assert ticket.resolved_at is None


def test_closing_sets_closed_at_and_nothing_leaves_closed() -> None:
    ticket = make_ticket()
    ticket.apply(TicketChanges(status=Status.CLOSED), actor="a", now=ticket.created_at, sla=SLA)
    assert ticket.closed_at == ticket.created_at
    with pytest.raises(InvalidStatusTransitionError):
        ticket.apply(TicketChanges(status=Status.OPEN), actor="a", now=ticket.created_at, sla=SLA)


def test_a_refused_transition_changes_nothing_else_in_the_same_request() -> None:
    ticket = make_ticket()
    ticket.apply(TicketChanges(status=Status.RESOLVED), actor="a", now=ticket.created_at, sla=SLA)
    ticket.pull_events()
    with pytest.raises(InvalidStatusTransitionError):
        ticket.apply(
            TicketChanges(title=Title("Other"), status=Status.PENDING),
            actor="a",
            now=ticket.created_at,
            sla=SLA,
        )
    assert ticket.title == "Cannot log in"
    assert ticket.version == 2
    assert not ticket.pending_events


def test_deleting_records_the_deletion() -> None:
    ticket = make_ticket()
    ticket.pull_events()
    ticket.delete(actor="token:1", now=ticket.created_at)
    [event] = ticket.pull_events()
    assert isinstance(event, TicketDeleted)
    assert event.sequence == 2


def test_events_recorded_before_the_id_is_known_are_stamped_with_it() -> None:
    ticket = make_ticket()
    ticket.id = 42
    assert [e.ticket_id for e in ticket.pull_events()] == [42]


@given(st.lists(st.sampled_from(Status), max_size=12))
def test_any_walk_through_the_machine_keeps_the_invariants(walk: list[Status]) -> None:
    ticket = make_ticket()
    for step, target in enumerate(walk, start=1):
        now = ticket.created_at + timedelta(minutes=step)
        before = ticket.status
        allowed = target in TRANSITIONS[before]
        try:
            ticket.apply(TicketChanges(status=target), actor="a", now=now, sla=SLA)
        except InvalidStatusTransitionError:
            assert not allowed
            assert target != before
        else:
            assert allowed or target == before
        assert (ticket.resolved_at is not None) == (
            ticket.status is Status.RESOLVED
            or (ticket.status is Status.CLOSED and ticket.resolved_at is not None)
        )
        assert (ticket.closed_at is not None) == (ticket.status is Status.CLOSED)
    assert ticket.event_sequence == len(ticket.pull_events())
