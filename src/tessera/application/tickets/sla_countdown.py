"""Where a ticket's SLA clocks stand at a moment: the countdown beside the conversation."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from tessera.application.ports.clock import Clock
from tessera.application.views import TicketView
from tessera.domain.tickets.sla import SlaPolicy
from tessera.domain.tickets.status import Status


class ClockState(StrEnum):
    RUNNING = "running"
    AT_RISK = "at_risk"  # running, and due within the policy's at-risk window
    BREACHED = "breached"  # running, past due
    PAUSED = "paused"  # pending: waiting on the customer (SPEC §3)
    MET = "met"  # the target was reached (answered, resolved)
    STOPPED = "stopped"  # resolved or closed without reaching it: nothing more to count


class Target(StrEnum):
    FIRST_RESPONSE = "first_response"
    RESOLUTION = "resolution"


@dataclass(frozen=True, slots=True, kw_only=True)
class SlaClock:
    target: Target
    due_at: datetime
    state: ClockState
    # Due minus now, negative once breached; it counts only while the clock runs (leaving
    # pending moves the due date on by the pause).
    remaining: timedelta


class SlaCountdownHandler:
    """Reads nothing but the ticket's view, the clock and the policy's at-risk window (async
    like every use case, so the composition root wraps it the same way)."""

    def __init__(self, *, clock: Clock, sla: SlaPolicy) -> None:
        self._clock = clock
        self._at_risk = sla.at_risk

    async def __call__(self, view: TicketView) -> tuple[SlaClock, ...]:
        return countdown(view, now=self._clock.now(), at_risk=self._at_risk)


def countdown(view: TicketView, *, now: datetime, at_risk: timedelta) -> tuple[SlaClock, ...]:
    """Both targets, first response first. The rules are those of the SLA views: only open
    and in-progress tickets' clocks run; the first-response clock stops at the first reply."""
    first = _state(
        view,
        reached=view.first_responded_at is not None,
        due_at=view.first_response_due_at,
        now=now,
        at_risk=at_risk,
    )
    resolution = _state(
        view,
        reached=view.resolved_at is not None,
        due_at=view.resolution_due_at,
        now=now,
        at_risk=at_risk,
    )
    return (
        SlaClock(
            target=Target.FIRST_RESPONSE,
            due_at=view.first_response_due_at,
            state=first,
            remaining=view.first_response_due_at - now,
        ),
        SlaClock(
            target=Target.RESOLUTION,
            due_at=view.resolution_due_at,
            state=resolution,
            remaining=view.resolution_due_at - now,
        ),
    )


def _state(
    view: TicketView, *, reached: bool, due_at: datetime, now: datetime, at_risk: timedelta
) -> ClockState:
    status = Status(view.status)
    if reached:
        return ClockState.MET
    if status in (Status.RESOLVED, Status.CLOSED):
        return ClockState.STOPPED
    if status is Status.PENDING:
        return ClockState.PAUSED
    if due_at <= now:
        return ClockState.BREACHED
    if due_at <= now + at_risk:
        return ClockState.AT_RISK
    return ClockState.RUNNING
