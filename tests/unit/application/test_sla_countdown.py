"""The SLA countdown of one ticket: which clocks run, which are paused, met or breached."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest

from tessera.application.tickets.commands import CreateTicket, UpdateTicket
from tessera.application.tickets.sla_countdown import ClockState, Target, countdown
from tessera.application.tickets.stale_edit import TicketFields
from tessera.application.views import TicketView
from tests.unit.application.conftest import App

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


def view_of(
    fields: TicketFields | None = None, *, version: int = 1, **changes: object
) -> TicketView:
    """A ticket view as built by the use cases, opened an hour ago at medium priority."""
    base = TicketView(
        id=1,
        title="Printer on fire",
        description="It is really on fire now.",
        status="open",
        priority="medium",
        customer_email="bob@example.com",
        assignee_id=None,
        tags=(),
        version=version,
        created_at=NOW - HOUR,
        updated_at=NOW - HOUR,
        first_response_due_at=NOW + 7 * HOUR,
        resolution_due_at=NOW + 71 * HOUR,
        first_responded_at=None,
        resolved_at=None,
        closed_at=None,
        merged_into_id=None,
        requester_id=None,
        organization_id=None,
        group_id=None,
        channel="api",
        follower_ids=(),
    )
    if fields is not None:
        base = dataclasses.replace(base, **dataclasses.asdict(fields))
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def states(view: TicketView, *, now: datetime = NOW) -> tuple[ClockState, ClockState]:
    first, resolution = countdown(view, now=now, at_risk=HOUR)
    assert (first.target, resolution.target) == (Target.FIRST_RESPONSE, Target.RESOLUTION)
    return first.state, resolution.state


def test_a_new_tickets_clocks_both_run_with_the_time_left() -> None:
    first, resolution = countdown(view_of(), now=NOW, at_risk=HOUR)
    assert (first.state, first.remaining) == (ClockState.RUNNING, 7 * HOUR)
    assert (resolution.state, resolution.remaining) == (ClockState.RUNNING, 71 * HOUR)


@pytest.mark.parametrize(
    ("later", "expected"),
    [
        (6 * HOUR - timedelta(minutes=1), (ClockState.RUNNING, ClockState.RUNNING)),
        (6 * HOUR, (ClockState.AT_RISK, ClockState.RUNNING)),  # as the at_risk view counts
        (7 * HOUR, (ClockState.BREACHED, ClockState.RUNNING)),
        (71 * HOUR, (ClockState.BREACHED, ClockState.BREACHED)),
    ],
)
def test_a_clock_is_at_risk_within_the_window_and_breached_at_its_due_date(
    later: timedelta, expected: tuple[ClockState, ClockState]
) -> None:
    assert states(view_of(), now=NOW + later) == expected


def test_the_first_reply_meets_the_first_response_target_even_when_late() -> None:
    answered = view_of(first_responded_at=NOW + 8 * HOUR)
    assert states(answered, now=NOW + 9 * HOUR) == (ClockState.MET, ClockState.RUNNING)


def test_a_pending_tickets_clocks_are_paused_even_past_due() -> None:
    pending = view_of(status="pending")
    assert states(pending, now=NOW + 100 * HOUR) == (ClockState.PAUSED, ClockState.PAUSED)


def test_resolving_meets_the_resolution_target_and_stops_an_unanswered_first_response() -> None:
    resolved = view_of(status="resolved", resolved_at=NOW)
    assert states(resolved, now=NOW + 100 * HOUR) == (ClockState.STOPPED, ClockState.MET)


def test_closing_without_resolving_stops_both_clocks() -> None:
    closed = view_of(status="closed", closed_at=NOW)
    assert states(closed, now=NOW + 100 * HOUR) == (ClockState.STOPPED, ClockState.STOPPED)


async def test_the_use_case_reads_its_clock_and_the_policys_window(app: App) -> None:
    agent = await app.principal("agent")
    ticket = await app.services.create_ticket(
        CreateTicket(
            title="Down",
            description="Everything is down.",
            customer_email="bob@example.com",
            priority="critical",
        ),
        principal=agent,
    )
    first, _ = await app.services.sla_countdown(ticket)
    assert (first.state, first.remaining) == (ClockState.AT_RISK, HOUR)  # critical: 1 h
    app.clock.current += HOUR
    first, resolution = await app.services.sla_countdown(ticket)
    assert (first.state, resolution.state) == (ClockState.BREACHED, ClockState.RUNNING)
    paused = await app.services.update_ticket(
        UpdateTicket(ticket_id=ticket.id, status="pending"), principal=agent
    )
    assert [c.state for c in await app.services.sla_countdown(paused)] == [ClockState.PAUSED] * 2
