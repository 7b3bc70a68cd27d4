"""The Ticket aggregate: state, invariants, and the events it records as it changes."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import Enum
from typing import Any, Final

from tessera.domain.access.mailboxes import EmailAddress
from tessera.domain.access.principal import Principal, may_see_ticket
from tessera.domain.comments.comment import Comment
from tessera.domain.errors import DomainValidationError, TicketClosedError
from tessera.domain.events import (
    DomainEvent,
    TicketAssigned,
    TicketCommented,
    TicketCreated,
    TicketDeleted,
    TicketMerged,
    TicketSlaBreached,
    TicketStatusChanged,
    TicketUpdated,
)
from tessera.domain.tickets.sla import SlaPolicy
from tessera.domain.tickets.status import Status, ensure_transition
from tessera.domain.tickets.values import (
    TAGS_MAX,
    Channel,
    Description,
    Priority,
    Tag,
    Title,
)

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
    group_id: int | Unset | None = UNSET
    follower_ids: frozenset[int] | Unset = UNSET
    tags: frozenset[Tag] | Unset = UNSET
    add_tags: frozenset[Tag] = frozenset()
    remove_tags: frozenset[Tag] = frozenset()


class SlaTargetName(Enum):
    FIRST_RESPONSE = "first_response"
    RESOLUTION = "resolution"


# Bookkeeping that is not part of the ticket's public face (its snapshot in events).
_INTERNAL_FIELDS: Final = frozenset(
    {
        "_events",
        "event_sequence",
        "paused_at",
        "paused",
        "first_response_breached_at",
        "resolution_breached_at",
    }
)

# Fields reported together in one ``ticket.updated`` event; status and assignee have their own.
_PLAIN_FIELDS: Final = ("title", "description", "priority", "tags", "group_id", "follower_ids")


@dataclass(eq=False, kw_only=True)
class Ticket:
    id: int
    title: Title
    description: Description
    status: Status
    priority: Priority
    customer_email: EmailAddress  # the requester's address
    assignee_id: int | None  # a user: an active agent, a member of the group when one is set
    tags: frozenset[Tag]
    version: int
    created_at: datetime
    updated_at: datetime
    first_response_due_at: datetime
    resolution_due_at: datetime
    first_responded_at: datetime | None = None
    resolved_at: datetime | None = None
    closed_at: datetime | None = None
    merged_into_id: int | None = None
    requester_id: int | None = None  # the customer user; set on every ticket since 0009
    organization_id: int | None = None  # the requester's when the ticket was filed
    group_id: int | None = None
    channel: Channel = Channel.API
    follower_ids: frozenset[int] = frozenset()  # CC: users who get the public conversation
    # SLA clocks stop while pending: when the pause began, and the working time paused so far.
    paused_at: datetime | None = None
    paused: timedelta = timedelta(0)
    first_response_breached_at: datetime | None = None
    resolution_breached_at: datetime | None = None
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
        requester_id: int | None = None,
        organization_id: int | None = None,
        group_id: int | None = None,
        channel: Channel = Channel.API,
        follower_ids: frozenset[int] = frozenset(),
        actor: str,
        now: datetime,
        sla: SlaPolicy,
        attachments: tuple[dict[str, Any], ...] = (),
    ) -> Ticket:
        """``attachments`` is the metadata of the files filed with it, for the event."""
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
            requester_id=requester_id,
            organization_id=organization_id,
            group_id=group_id,
            channel=channel,
            follower_ids=follower_ids,
        )
        ticket._record(
            TicketCreated,
            actor=actor,
            now=now,
            snapshot=ticket.snapshot(),
            attachments=attachments,
        )
        return ticket

    def apply(self, changes: TicketChanges, *, actor: str, now: datetime, sla: SlaPolicy) -> bool:
        """Apply a partial update as one change (one version); return whether anything changed.

        Raises InvalidStatusTransitionError when the status move is not allowed.
        """
        plain: dict[str, dict[str, Any]] = {}
        for name in _PLAIN_FIELDS:
            new = self._tags_after(changes) if name == "tags" else getattr(changes, name)
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
            setattr(
                self, name, self._tags_after(changes) if name == "tags" else getattr(changes, name)
            )
        if "priority" in plain:
            self._recompute_due_dates(sla)
        self._touch(now)
        if plain:
            self._record(TicketUpdated, actor=actor, now=now, changes=plain)
        if new_status is not None:
            self._move_to(new_status, actor=actor, now=now, sla=sla)
        if assignee_changed and not isinstance(changes.assignee_id, Unset):
            old_assignee, self.assignee_id = self.assignee_id, changes.assignee_id
            self._record(
                TicketAssigned, actor=actor, now=now, old=old_assignee, new=self.assignee_id
            )
        return True

    def assignee_after(self, changes: TicketChanges) -> int | None:
        """Who the ticket is assigned to once ``changes`` apply."""
        return self.assignee_id if isinstance(changes.assignee_id, Unset) else changes.assignee_id

    def group_after(self, changes: TicketChanges) -> int | None:
        return self.group_id if isinstance(changes.group_id, Unset) else changes.group_id

    def visible_to(self, principal: Principal) -> bool:
        """Staff see every ticket; a requester tickets filed for their own address, and their
        organization's when it shares tickets."""
        return may_see_ticket(principal, self)

    def delete(self, *, actor: str, now: datetime) -> None:
        self._record(TicketDeleted, actor=actor, now=now)

    def add_comment(
        self,
        comment: Comment,
        *,
        actor: str,
        now: datetime,
        sla: SlaPolicy,
        attachments: tuple[dict[str, Any], ...] = (),
    ) -> None:
        """Record a stored comment (with the metadata of its files). The first public staff
        reply stops the first-response clock; a customer's reply to a ticket waiting on them
        (pending) reopens it.

        Raises TicketClosedError.
        """
        self._ensure_not_closed()
        if comment.public and comment.by_staff and self.first_responded_at is None:
            self.first_responded_at = now
        self._touch(now)
        self._record(
            TicketCommented,
            actor=actor,
            now=now,
            comment_id=comment.id,
            author_id=comment.author_id,
            author_role=comment.author_role.value,
            public=comment.public,
            body=comment.body,
            attachments=attachments,
        )
        if not comment.by_staff and self.status is Status.PENDING:
            self._move_to(Status.OPEN, actor=actor, now=now, sla=sla)

    def merge_into(self, target: Ticket, *, actor: str, now: datetime, sla: SlaPolicy) -> None:
        """Close this duplicate into ``target``; both record ``ticket.merged``.

        Raises DomainValidationError (itself, or already merged) and TicketClosedError.
        """
        if target.id == self.id:
            raise DomainValidationError.single("into", "a ticket cannot be merged into itself")
        if target.merged_into_id is not None:
            raise DomainValidationError.single(
                "into", f"ticket {target.id} was merged into {target.merged_into_id}"
            )
        self._ensure_not_closed()
        target._ensure_not_closed()
        for ticket in (self, target):
            ticket._touch(now)
            ticket._record(
                TicketMerged, actor=actor, now=now, source_id=self.id, target_id=target.id
            )
        self.merged_into_id = target.id
        self._move_to(Status.CLOSED, actor=actor, now=now, sla=sla)

    def running_due_dates(self) -> list[datetime]:
        """Due dates of the SLA clocks still running (none while paused or finished)."""
        if self.status not in (Status.OPEN, Status.IN_PROGRESS):
            return []
        due = [self.resolution_due_at]
        if self.first_responded_at is None:
            due.append(self.first_response_due_at)
        return due

    def breached_targets(self, now: datetime) -> list[SlaTargetName]:
        """Targets past due, still running, and not yet reported."""
        if self.status in (Status.CLOSED, Status.RESOLVED, Status.PENDING):
            return []
        due = []
        if (
            self.first_responded_at is None
            and self.first_response_breached_at is None
            and self.first_response_due_at <= now
        ):
            due.append(SlaTargetName.FIRST_RESPONSE)
        if self.resolution_breached_at is None and self.resolution_due_at <= now:
            due.append(SlaTargetName.RESOLUTION)
        return due

    def record_breaches(self, *, now: datetime) -> bool:
        """Raise ``ticket.sla_breached`` once for each target now past due."""
        breached = self.breached_targets(now)
        for target in breached:
            if target is SlaTargetName.FIRST_RESPONSE:
                self.first_response_breached_at, due_at = now, self.first_response_due_at
            else:
                self.resolution_breached_at, due_at = now, self.resolution_due_at
            self._record(
                TicketSlaBreached, actor="system", now=now, target=target.value, due_at=due_at
            )
        if breached:
            self.version += 1
        return bool(breached)

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
            if f.name not in _INTERNAL_FIELDS
        }

    def _tags_after(self, changes: TicketChanges) -> frozenset[Tag] | Unset:
        if not changes.add_tags and not changes.remove_tags:
            return changes.tags
        base = self.tags if isinstance(changes.tags, Unset) else changes.tags
        tags = (base | changes.add_tags) - changes.remove_tags
        if len(tags) > TAGS_MAX:
            raise DomainValidationError.single("tags", f"at most {TAGS_MAX} tags")
        return tags

    def _touch(self, now: datetime) -> None:
        self.version += 1
        self.updated_at = now

    def _ensure_not_closed(self) -> None:
        if self.status is Status.CLOSED:
            raise TicketClosedError(f"Ticket {self.id} is closed")

    def _recompute_due_dates(self, sla: SlaPolicy) -> None:
        due = sla.due_dates(priority=self.priority, start=self.created_at, paused=self.paused)
        self.first_response_due_at = due.first_response_due_at
        self.resolution_due_at = due.resolution_due_at

    def _move_to(self, new: Status, *, actor: str, now: datetime, sla: SlaPolicy) -> None:
        old = self.status
        self.status = new
        if new is Status.PENDING:
            self.paused_at = now
        elif old is Status.PENDING and self.paused_at is not None:
            self.paused += sla.paused_time(self.paused_at, now)
            self.paused_at = None
            self._recompute_due_dates(sla)
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
