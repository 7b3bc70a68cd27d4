"""The Ticket aggregate: state, invariants, and the events it records as it changes."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import Any, Final

from tessera.domain.events import (
    DomainEvent,
    TicketAssigned,
    TicketCreated,
    TicketDeleted,
    TicketStatusChanged,
    TicketUpdated,
)
from tessera.domain.tickets.sla import SlaPolicy
from tessera.domain.tickets.status import Status, ensure_transition
from tessera.domain.tickets.values import Description, EmailAddress, Priority, Tag, Title

NEW_TICKET_ID: Final = 0  # a ticket not yet stored has no identity; the repository gives one


class Unset(Enum):
    """Marks a field a change leaves alone (``None`` is a value: it unassigns)."""

    UNSET = "unset"


UNSET: Final = Unset.UNSET


@dataclass(frozen=True, slots=True, kw_only=True)
class TicketChanges:
    """A partial update; every field left UNSET is kept as it is."""

    title: Title | Unset = UNSET
    description: Description | Unset = UNSET
    priority: Priority | Unset = UNSET
    status: Status | Unset = UNSET
    assignee_id: int | Unset | None = UNSET
    tags: frozenset[Tag] | Unset = UNSET


# Fields reported together in one ``ticket.updated`` event; status and assignee have their own.
_PLAIN_FIELDS: Final = ("title", "description", "priority", "tags")


@dataclass(eq=False, kw_only=True)
class Ticket:
    id: int
    title: Title
    description: Description
    status: Status
    priority: Priority
    customer_email: EmailAddress
    assignee_id: int | None
    tags: frozenset[Tag]
    version: int
    created_at: datetime
    updated_at: datetime
    first_response_due_at: datetime
    resolution_due_at: datetime
    first_responded_at: datetime | None = None
    resolved_at: datetime | None = None
    closed_at: datetime | None = None
    event_sequence: int = 0
    _events: list[DomainEvent] = field(default_factory=list, repr=False)

    @classmethod
    def open(
        cls,
        *,
        title: Title,
        description: Description,
        customer_email: EmailAddress,
        priority: Priority = Priority.MEDIUM,
        tags: frozenset[Tag] = frozenset(),
        actor: str,
        now: datetime,
        sla: SlaPolicy,
    ) -> Ticket:
        due = sla.due_dates(priority=priority, start=now)
        ticket = cls(
            id=NEW_TICKET_ID,
            title=title,
            description=description,
            status=Status.OPEN,
            priority=priority,
            customer_email=customer_email,
            assignee_id=None,
            tags=tags,
            version=1,
            created_at=now,
            updated_at=now,
            first_response_due_at=due.first_response_due_at,
            resolution_due_at=due.resolution_due_at,
        )
        ticket._record(TicketCreated, actor=actor, now=now, snapshot=ticket.snapshot())
        return ticket

    def apply(self, changes: TicketChanges, *, actor: str, now: datetime, sla: SlaPolicy) -> bool:
        """Apply a partial update as one change (one version); return whether anything changed.

        Raises InvalidStatusTransitionError when the status move is not allowed.
        """
        plain: dict[str, dict[str, Any]] = {}
        for name in _PLAIN_FIELDS:
            new = getattr(changes, name)
            old = getattr(self, name)
            if new is not UNSET and new != old:
                plain[name] = {"old": _plain(old), "new": _plain(new)}
        new_status = changes.status if changes.status not in (UNSET, self.status) else None
        if new_status is not None:
            ensure_transition(self.status, new_status)  # before any mutation: all or nothing
        assignee_changed = (
            changes.assignee_id is not UNSET and changes.assignee_id != self.assignee_id
        )
        if not plain and new_status is None and not assignee_changed:
            return False

        for name in plain:
            setattr(self, name, getattr(changes, name))
        if "priority" in plain:
            due = sla.due_dates(priority=self.priority, start=self.created_at)
            self.first_response_due_at = due.first_response_due_at
            self.resolution_due_at = due.resolution_due_at
        self.version += 1
        self.updated_at = now
        if plain:
            self._record(TicketUpdated, actor=actor, now=now, changes=plain)
        if new_status is not None:
            self._move_to(new_status, actor=actor, now=now)
        if assignee_changed and not isinstance(changes.assignee_id, Unset):
            old_assignee, self.assignee_id = self.assignee_id, changes.assignee_id
            self._record(
                TicketAssigned, actor=actor, now=now, old=old_assignee, new=self.assignee_id
            )
        return True

    def delete(self, *, actor: str, now: datetime) -> None:
        self._record(TicketDeleted, actor=actor, now=now)

    def pull_events(self) -> list[DomainEvent]:
        """Hand over the recorded events (stamped with the now-known id) and forget them."""
        events = [
            e if e.ticket_id == self.id else dataclasses.replace(e, ticket_id=self.id)
            for e in self._events
        ]
        self._events.clear()
        return events

    @property
    def pending_events(self) -> bool:
        return bool(self._events)

    def snapshot(self) -> dict[str, Any]:
        """The ticket's fields as plain values (enums as strings, tags sorted)."""
        return {
            f.name: _plain(getattr(self, f.name))
            for f in dataclasses.fields(self)
            if f.name not in ("_events", "event_sequence")
        }

    def _move_to(self, new: Status, *, actor: str, now: datetime) -> None:
        old = self.status
        self.status = new
        if new is Status.RESOLVED:
            self.resolved_at = now
        elif old is Status.RESOLVED and new is Status.OPEN:
            self.resolved_at = None
        if new is Status.CLOSED:
            self.closed_at = now
        self._record(TicketStatusChanged, actor=actor, now=now, old=old.value, new=new.value)

    def _record(self, kind: type[DomainEvent], *, actor: str, now: datetime, **data: Any) -> None:
        self.event_sequence += 1
        self._events.append(
            kind(
                ticket_id=self.id,
                sequence=self.event_sequence,
                actor=actor,
                occurred_at=now,
                **data,
            )
        )


def _plain(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, frozenset):
        return sorted(value)
    return value
