"""Domain events: immutable, past-tense facts that a ticket records as they happen (SPEC §3)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar


def new_event_id() -> str:
    return str(uuid.uuid4())


@dataclass(frozen=True, slots=True, kw_only=True)
class DomainEvent:
    """What every event carries; ``type`` is the name on the wire, e.g. ``ticket.created``."""

    type: ClassVar[str] = "event"

    ticket_id: int
    sequence: int
    actor: str
    occurred_at: datetime
    event_id: str = field(default_factory=new_event_id)

    def data(self) -> dict[str, Any]:
        """The event's own fields, without the envelope (id, ticket, sequence, actor, time)."""
        return {}


@dataclass(frozen=True, slots=True, kw_only=True)
class TicketCreated(DomainEvent):
    type: ClassVar[str] = "ticket.created"

    snapshot: dict[str, Any]
    attachments: tuple[dict[str, Any], ...] = ()  # metadata of the files, never the bytes

    def data(self) -> dict[str, Any]:
        # The snapshot is taken before the database assigns the id; the event's ticket_id is
        # stamped with it when the events are pulled, so the id on the wire comes from there.
        return {
            "ticket": {**self.snapshot, "id": self.ticket_id},
            "attachments": list(self.attachments),
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class TicketUpdated(DomainEvent):
    """``changes`` maps each changed field to ``{"old": ..., "new": ...}``."""

    type: ClassVar[str] = "ticket.updated"

    changes: dict[str, dict[str, Any]]

    def data(self) -> dict[str, Any]:
        return {"changes": self.changes}


@dataclass(frozen=True, slots=True, kw_only=True)
class TicketStatusChanged(DomainEvent):
    type: ClassVar[str] = "ticket.status_changed"

    old: str
    new: str

    def data(self) -> dict[str, Any]:
        return {"old": self.old, "new": self.new}


@dataclass(frozen=True, slots=True, kw_only=True)
class TicketAssigned(DomainEvent):
    type: ClassVar[str] = "ticket.assigned"

    old: int | None
    new: int | None

    def data(self) -> dict[str, Any]:
        return {"old": self.old, "new": self.new}


@dataclass(frozen=True, slots=True, kw_only=True)
class TicketDeleted(DomainEvent):
    type: ClassVar[str] = "ticket.deleted"


@dataclass(frozen=True, slots=True, kw_only=True)
class TicketCommented(DomainEvent):
    """A reply the customer sees (``public``) or an internal note."""

    type: ClassVar[str] = "ticket.commented"

    comment_id: int
    author_id: int
    author_role: str
    public: bool
    body: str
    attachments: tuple[dict[str, Any], ...] = ()  # metadata of the files, never the bytes

    def data(self) -> dict[str, Any]:
        return {
            "comment_id": self.comment_id,
            "author_id": self.author_id,
            "author_role": self.author_role,
            "public": self.public,
            "body": self.body,
            "attachments": list(self.attachments),
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class TicketMerged(DomainEvent):
    """Raised on both tickets: the duplicate (source, now closed) and the one kept (target)."""

    type: ClassVar[str] = "ticket.merged"

    source_id: int
    target_id: int

    def data(self) -> dict[str, Any]:
        return {"source_id": self.source_id, "target_id": self.target_id}


@dataclass(frozen=True, slots=True, kw_only=True)
class TicketSlaBreached(DomainEvent):
    """A target (``first_response`` or ``resolution``) passed its due date; once per target."""

    type: ClassVar[str] = "ticket.sla_breached"

    target: str
    due_at: datetime

    def data(self) -> dict[str, Any]:
        return {"target": self.target, "due_at": self.due_at}


# Every event type by its name on the wire: the one list that webhooks filter by and the
# docs are checked against.
EVENTS_BY_TYPE: dict[str, type[DomainEvent]] = {
    event.type: event
    for event in (
        TicketCreated,
        TicketUpdated,
        TicketStatusChanged,
        TicketAssigned,
        TicketCommented,
        TicketMerged,
        TicketDeleted,
        TicketSlaBreached,
    )
}
