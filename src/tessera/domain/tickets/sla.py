"""SLA policy: first-response and resolution targets per priority (SPEC §3)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from tessera.domain.tickets.calendar import AlwaysOpen, Calendar
from tessera.domain.tickets.values import Priority


@dataclass(frozen=True, slots=True)
class SlaTarget:
    first_response: timedelta
    resolution: timedelta


def _default_targets() -> dict[Priority, SlaTarget]:
    hours = timedelta(hours=1)
    return {
        Priority.CRITICAL: SlaTarget(first_response=1 * hours, resolution=4 * hours),
        Priority.HIGH: SlaTarget(first_response=4 * hours, resolution=24 * hours),
        Priority.MEDIUM: SlaTarget(first_response=8 * hours, resolution=72 * hours),
        Priority.LOW: SlaTarget(first_response=24 * hours, resolution=120 * hours),
    }


@dataclass(frozen=True, slots=True)
class DueDates:
    first_response_due_at: datetime
    resolution_due_at: datetime


@dataclass(frozen=True, slots=True)
class SlaPolicy:
    """Targets per priority, counted in the calendar's working time from the ticket's creation
    and extended by the working time it spent paused (``pending``, waiting on the customer).
    ``at_risk`` is how close to a due date a ticket counts as at risk."""

    targets: dict[Priority, SlaTarget] = field(default_factory=_default_targets)
    calendar: Calendar = field(default_factory=AlwaysOpen)
    at_risk: timedelta = timedelta(hours=1)

    def due_dates(
        self, *, priority: Priority, start: datetime, paused: timedelta = timedelta(0)
    ) -> DueDates:
        target = self.targets[priority]
        return DueDates(
            first_response_due_at=self.calendar.add(start, target.first_response + paused),
            resolution_due_at=self.calendar.add(start, target.resolution + paused),
        )

    def paused_time(self, start: datetime, end: datetime) -> timedelta:
        return self.calendar.working_between(start, end)
