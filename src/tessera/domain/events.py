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


@dataclass(frozen=True, slots=True, kw_only=True)
class PeopleEvent:
    """A fact about a user, an organization or a group (SPEC §13). Its subject is
    ``subject_kind`` and ``subject_id``; ``sequence`` counts the subject's events from 1 and
    is assigned when the unit of work stores it (0 until then)."""

    type: ClassVar[str] = "people"
    subject_kind: ClassVar[str] = "people"

    subject_id: int
    actor: str
    occurred_at: datetime
    sequence: int = 0
    event_id: str = field(default_factory=new_event_id)

    def data(self) -> dict[str, Any]:
        return {}


@dataclass(frozen=True, slots=True, kw_only=True)
class UserCreated(PeopleEvent):
    type: ClassVar[str] = "user.created"
    subject_kind: ClassVar[str] = "user"

    user: dict[str, Any]  # as the API shows it: never a password

    def data(self) -> dict[str, Any]:
        return {"user": self.user}


@dataclass(frozen=True, slots=True, kw_only=True)
class UserUpdated(PeopleEvent):
    """``changes`` maps each changed field to ``{"old": ..., "new": ...}`` (a new password
    shows as ``password`` with both null)."""

    type: ClassVar[str] = "user.updated"
    subject_kind: ClassVar[str] = "user"

    changes: dict[str, dict[str, Any]]

    def data(self) -> dict[str, Any]:
        return {"changes": self.changes}


@dataclass(frozen=True, slots=True, kw_only=True)
class UserDeactivated(PeopleEvent):
    """Raised with ``user.updated`` when a user goes from active to inactive."""

    type: ClassVar[str] = "user.deactivated"
    subject_kind: ClassVar[str] = "user"


@dataclass(frozen=True, slots=True, kw_only=True)
class OrganizationCreated(PeopleEvent):
    type: ClassVar[str] = "organization.created"
    subject_kind: ClassVar[str] = "organization"

    organization: dict[str, Any]

    def data(self) -> dict[str, Any]:
        return {"organization": self.organization}


@dataclass(frozen=True, slots=True, kw_only=True)
class OrganizationUpdated(PeopleEvent):
    type: ClassVar[str] = "organization.updated"
    subject_kind: ClassVar[str] = "organization"

    changes: dict[str, dict[str, Any]]

    def data(self) -> dict[str, Any]:
        return {"changes": self.changes}


@dataclass(frozen=True, slots=True, kw_only=True)
class GroupCreated(PeopleEvent):
    type: ClassVar[str] = "group.created"
    subject_kind: ClassVar[str] = "group"

    group: dict[str, Any]

    def data(self) -> dict[str, Any]:
        return {"group": self.group}


@dataclass(frozen=True, slots=True, kw_only=True)
class GroupUpdated(PeopleEvent):
    type: ClassVar[str] = "group.updated"
    subject_kind: ClassVar[str] = "group"

    changes: dict[str, dict[str, Any]]

    def data(self) -> dict[str, Any]:
        return {"changes": self.changes}


@dataclass(frozen=True, slots=True, kw_only=True)
class GroupMemberAdded(PeopleEvent):
    type: ClassVar[str] = "group.member_added"
    subject_kind: ClassVar[str] = "group"

    user_id: int

    def data(self) -> dict[str, Any]:
        return {"user_id": self.user_id}


@dataclass(frozen=True, slots=True, kw_only=True)
class GroupMemberRemoved(PeopleEvent):
    type: ClassVar[str] = "group.member_removed"
    subject_kind: ClassVar[str] = "group"

    user_id: int

    def data(self) -> dict[str, Any]:
        return {"user_id": self.user_id}


def changes_between(old: dict[str, Any], new: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """``{"field": {"old": ..., "new": ...}}`` for every field whose value differs."""
    return {
        name: {"old": old.get(name), "new": value}
        for name, value in new.items()
        if old.get(name) != value
    }


# What the outbox stores: a ticket's events and people events.
StoredEvent = DomainEvent | PeopleEvent

# A ticket event's subject kind; people events name theirs (``PeopleEvent.subject_kind``).
TICKET_SUBJECT = "ticket"

# Every event type by its name on the wire: the one list that webhooks filter by and the
# docs are checked against.
EVENTS_BY_TYPE: dict[str, type[DomainEvent] | type[PeopleEvent]] = {
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
        # People (SPEC §13)
        UserCreated,
        UserUpdated,
        UserDeactivated,
        OrganizationCreated,
        OrganizationUpdated,
        GroupCreated,
        GroupUpdated,
        GroupMemberAdded,
        GroupMemberRemoved,
    )
}

# What a reader gets when it names no type (the changes feed, its live stream, a webhook
# with no filter): a ticket's events. People events are delivered to those who name them,
# so integrations written before them see exactly what they saw.
TICKET_EVENT_TYPES: tuple[str, ...] = tuple(
    name for name, event in EVENTS_BY_TYPE.items() if issubclass(event, DomainEvent)
)


def wanted_types(types: tuple[str, ...]) -> tuple[str, ...]:
    """The types a reader asked for, or, when it named none, a ticket's events."""
    return types or TICKET_EVENT_TYPES
