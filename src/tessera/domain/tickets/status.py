"""The ticket status state machine (SPEC §3), as a table."""

from __future__ import annotations

from enum import StrEnum

from tessera.domain.errors import DomainValidationError, InvalidStatusTransitionError


class Status(StrEnum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    PENDING = "pending"
    RESOLVED = "resolved"
    CLOSED = "closed"


TRANSITIONS: dict[Status, frozenset[Status]] = {
    Status.OPEN: frozenset({Status.IN_PROGRESS, Status.PENDING, Status.RESOLVED, Status.CLOSED}),
    Status.IN_PROGRESS: frozenset({Status.OPEN, Status.PENDING, Status.RESOLVED, Status.CLOSED}),
    Status.PENDING: frozenset({Status.OPEN, Status.IN_PROGRESS, Status.RESOLVED, Status.CLOSED}),
    Status.RESOLVED: frozenset({Status.OPEN, Status.CLOSED}),
    Status.CLOSED: frozenset(),
}


def can_transition(old: Status, new: Status) -> bool:
    return new in TRANSITIONS[old]


def ensure_transition(old: Status, new: Status) -> None:
    """Raise :class:`InvalidStatusTransitionError` unless ``old -> new`` is in the table."""
    if not can_transition(old, new):
        raise InvalidStatusTransitionError(
            f"A ticket cannot move from {old.value} to {new.value}",
            details={
                "from": old.value,
                "to": new.value,
                "allowed": sorted(s.value for s in TRANSITIONS[old]),
            },
        )


def parse_status(raw: str) -> Status:
    try:
        return Status(raw)
    except ValueError:
        allowed = ", ".join(s.value for s in Status)
        raise DomainValidationError.single("status", f"must be one of {allowed}") from None
