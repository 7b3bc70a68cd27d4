"""SLA clocks: working-time calendars, pausing while pending, recomputation on priority change."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest

from tessera.domain.tickets.calendar import AlwaysOpen, BusinessHours
from tessera.domain.tickets.sla import SlaPolicy
from tessera.domain.tickets.status import Status
from tessera.domain.tickets.ticket import Ticket, TicketChanges
from tessera.domain.tickets.values import Priority
from tests.support import make_ticket

FRIDAY_15 = datetime(2026, 3, 6, 15, 0, tzinfo=UTC)
OFFICE = BusinessHours(timezone="UTC", opens=time(9), closes=time(17))


def test_working_time_skips_the_weekend() -> None:
    assert OFFICE.add(FRIDAY_15, timedelta(hours=4)) == datetime(2026, 3, 9, 11, tzinfo=UTC)
    assert OFFICE.working_between(FRIDAY_15, datetime(2026, 3, 9, 11, tzinfo=UTC)) == timedelta(
        hours=4
    )


def test_working_time_skips_a_holiday_and_starts_at_opening() -> None:
    office = BusinessHours(timezone="UTC", holidays=frozenset({date(2026, 3, 9)}))
    assert office.add(FRIDAY_15, timedelta(hours=4)) == datetime(2026, 3, 10, 11, tzinfo=UTC)
    saturday = datetime(2026, 3, 7, 10, tzinfo=UTC)
    assert office.add(saturday, timedelta(hours=1)) == datetime(2026, 3, 10, 10, tzinfo=UTC)
    assert office.working_between(saturday, datetime(2026, 3, 9, 23, tzinfo=UTC)) == timedelta(0)


def test_working_hours_are_local_across_a_daylight_saving_change() -> None:
    berlin = BusinessHours(timezone="Europe/Berlin")
    friday_16_local = datetime(2026, 3, 27, 15, tzinfo=UTC)  # CET, UTC+1
    # One hour left on Friday, one on Monday from 09:00 CEST (UTC+2) = 07:00 UTC.
    assert berlin.add(friday_16_local, timedelta(hours=2)) == datetime(2026, 3, 30, 8, tzinfo=UTC)


def test_a_calendar_without_working_time_is_refused() -> None:
    with pytest.raises(ValueError, match="before"):
        BusinessHours(opens=time(17), closes=time(9))
    with pytest.raises(ValueError, match="weekday"):
        BusinessHours(workdays=frozenset({0}))


def change(ticket: Ticket, sla: SlaPolicy, at: datetime, **changes: Any) -> None:
    ticket.apply(TicketChanges(**changes), actor="token:1", now=at, sla=sla)


def test_due_dates_count_business_hours() -> None:
    ticket = make_ticket(priority=Priority.HIGH, now=FRIDAY_15, sla=SlaPolicy(calendar=OFFICE))
    # high: 4 h / 24 h; 24 working hours = 2 h Friday + 8 h Mon + 8 h Tue + 6 h Wed
    assert ticket.first_response_due_at == datetime(2026, 3, 9, 11, tzinfo=UTC)
    assert ticket.resolution_due_at == datetime(2026, 3, 11, 15, tzinfo=UTC)


def test_pending_pauses_both_clocks_and_resuming_extends_them_by_the_pause() -> None:
    sla = SlaPolicy(calendar=AlwaysOpen())
    start = datetime(2026, 3, 2, 9, tzinfo=UTC)
    ticket = make_ticket(priority=Priority.MEDIUM, now=start)
    before = (ticket.first_response_due_at, ticket.resolution_due_at)

    ticket.apply(
        TicketChanges(status=Status.PENDING), actor="t", now=start + timedelta(hours=1), sla=sla
    )
    assert ticket.running_due_dates() == []  # paused: never breached, never at risk
    assert ticket.breached_targets(start + timedelta(days=30)) == []

    change(ticket, sla, start + timedelta(hours=4), status=Status.IN_PROGRESS)
    assert ticket.paused == timedelta(hours=3)
    assert ticket.first_response_due_at == before[0] + timedelta(hours=3)
    assert ticket.resolution_due_at == before[1] + timedelta(hours=3)


def test_a_pause_over_a_weekend_extends_only_by_working_time() -> None:
    sla = SlaPolicy(calendar=OFFICE)
    ticket = make_ticket(priority=Priority.HIGH, now=FRIDAY_15)
    ticket.apply(TicketChanges(priority=Priority.LOW), actor="t", now=FRIDAY_15, sla=sla)
    ticket.apply(TicketChanges(priority=Priority.HIGH), actor="t", now=FRIDAY_15, sla=sla)
    before = ticket.first_response_due_at  # Monday 11:00

    ticket.apply(
        TicketChanges(status=Status.PENDING), actor="t", now=FRIDAY_15 + timedelta(hours=1), sla=sla
    )
    monday_10 = datetime(2026, 3, 9, 10, tzinfo=UTC)
    ticket.apply(TicketChanges(status=Status.OPEN), actor="t", now=monday_10, sla=sla)

    assert ticket.paused == timedelta(hours=2)  # Friday 16-17 and Monday 9-10
    assert ticket.first_response_due_at == OFFICE.add(before, timedelta(0)) + timedelta(hours=2)


def test_a_priority_change_recomputes_due_dates_from_creation_keeping_pauses() -> None:
    sla = SlaPolicy()
    start = datetime(2026, 3, 2, 9, tzinfo=UTC)
    ticket = make_ticket(priority=Priority.LOW, now=start)
    ticket.apply(TicketChanges(status=Status.PENDING), actor="t", now=start, sla=sla)
    ticket.apply(
        TicketChanges(status=Status.OPEN), actor="t", now=start + timedelta(hours=2), sla=sla
    )

    ticket.apply(
        TicketChanges(priority=Priority.CRITICAL),
        actor="t",
        now=start + timedelta(hours=3),
        sla=sla,
    )

    assert ticket.first_response_due_at == start + timedelta(hours=1 + 2)
    assert ticket.resolution_due_at == start + timedelta(hours=4 + 2)


def test_each_breach_is_recorded_once_per_target() -> None:
    start = datetime(2026, 3, 2, 9, tzinfo=UTC)
    ticket = make_ticket(priority=Priority.CRITICAL, now=start)  # 1 h / 4 h
    ticket.pull_events()

    assert not ticket.record_breaches(now=start + timedelta(minutes=59))
    assert ticket.record_breaches(now=start + timedelta(hours=2))
    assert not ticket.record_breaches(now=start + timedelta(hours=3))
    assert ticket.record_breaches(now=start + timedelta(hours=5))

    events = ticket.pull_events()
    assert [e.data()["target"] for e in events] == ["first_response", "resolution"]
    assert [e.type for e in events] == ["ticket.sla_breached"] * 2
