"""SLA policy: first-response and resolution targets per priority (SPEC §3)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

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
    """Targets per priority; due dates count from the ticket's creation plus paused time."""

    targets: dict[Priority, SlaTarget] = field(default_factory=_default_targets)

    def due_dates(
        self, *, priority: Priority, start: datetime, paused: timedelta = timedelta(0)
    ) -> DueDates:
        target = self.targets[priority]
        return DueDates(
            first_response_due_at=start + paused + target.first_response,
            resolution_due_at=start + paused + target.resolution,
        )
