"""The migration run state machine (SPEC §7): the only place its transitions are defined."""

from __future__ import annotations

from enum import StrEnum


class RunState(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    APPLIED = "applied"
    FAILED = "failed"
    ROLLED_BACK = "rolled_back"


TRANSITIONS: dict[RunState, frozenset[RunState]] = {
    RunState.PENDING: frozenset({RunState.RUNNING}),
    RunState.RUNNING: frozenset({RunState.APPLIED, RunState.FAILED}),
    RunState.FAILED: frozenset({RunState.ROLLED_BACK}),
    RunState.APPLIED: frozenset(),
    RunState.ROLLED_BACK: frozenset(),
}

FINAL_STATES = frozenset(s for s, targets in TRANSITIONS.items() if not targets)


class IllegalRunTransitionError(RuntimeError):
    """A ledger row was asked to move along an edge the machine does not have."""


def advance(current: RunState, new: RunState) -> RunState:
    """Return ``new`` when ``current -> new`` is an edge; raise otherwise."""
    if new not in TRANSITIONS[current]:
        raise IllegalRunTransitionError(f"a migration run cannot go from {current} to {new}")
    return new
