"""A stale edit: a change asked of the version someone saw, after the ticket moved on.

The update itself keeps the API's rule (``expected_version``, as ``If-Match``: a stale version
changes nothing and raises PreconditionFailedError). This module says what to show instead of
overwriting: for each field, what the editor saw, what it is now and what they asked for, and
the same change again against the version that is current now, to apply if they still want it.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

from tessera.application.tickets.commands import UpdateTicket
from tessera.application.views import TicketView
from tessera.domain.tickets.ticket import UNSET, Unset

FieldValue = str | int | None


@dataclass(frozen=True, slots=True, kw_only=True)
class TicketFields:
    """The fields an agent sets one at a time beside the conversation (tags are added and
    removed one by one, which never conflicts, so they are not among them)."""

    status: str
    priority: str
    group_id: int | None
    assignee_id: int | None

    @classmethod
    def of(cls, view: TicketView) -> TicketFields:
        return cls(
            status=view.status,
            priority=view.priority,
            group_id=view.group_id,
            assignee_id=view.assignee_id,
        )

    def value(self, name: str) -> FieldValue:
        value: FieldValue = getattr(self, name)
        return value


FIELD_NAMES: tuple[str, ...] = tuple(f.name for f in fields(TicketFields))


def change_between(
    seen: TicketFields, wanted: TicketFields, *, ticket_id: int, version: int
) -> UpdateTicket:
    """The update that takes the ticket from what the editor saw (at ``version``) to what they
    want: only the fields they changed, so the others are left as they are."""
    changed = {
        name: wanted.value(name) for name in FIELD_NAMES if wanted.value(name) != seen.value(name)
    }
    return UpdateTicket(ticket_id=ticket_id, expected_version=version, **changed)  # type: ignore[arg-type]


def asked(command: UpdateTicket, name: str) -> FieldValue | Unset:
    """What ``command`` asks of the field (UNSET: it leaves the field alone)."""
    value: FieldValue | Unset = getattr(command, name)
    return value


@dataclass(frozen=True, slots=True, kw_only=True)
class FieldDiff:
    """One field of a stale edit: ``seen`` when the editor loaded the ticket, ``theirs`` now,
    ``yours`` what the editor asked (UNSET: they left it alone)."""

    name: str
    seen: FieldValue
    theirs: FieldValue
    yours: FieldValue | Unset

    @property
    def changed_since(self) -> bool:
        """Someone else changed the field after the editor loaded the ticket."""
        return self.theirs != self.seen

    @property
    def in_conflict(self) -> bool:
        """Both changed it, to different values: applying yours overwrites theirs."""
        return self.changed_since and self.yours is not UNSET and self.yours != self.theirs


@dataclass(frozen=True, slots=True, kw_only=True)
class StaleEdit:
    seen_version: int
    current: TicketView
    diffs: tuple[FieldDiff, ...]
    yours: UpdateTicket

    @property
    def reapply(self) -> UpdateTicket:
        """The editor's change again, against the version that is current now (it fails the
        same way if the ticket moves on once more)."""
        return replace(self.yours, expected_version=self.current.version)

    @property
    def current_fields(self) -> TicketFields:
        return TicketFields.of(self.current)

    @property
    def wanted(self) -> TicketFields:
        """The fields as they would be with the editor's change applied to the current ones."""
        now = TicketFields.of(self.current)

        def pick(name: str) -> FieldValue:
            mine = asked(self.yours, name)
            return now.value(name) if isinstance(mine, Unset) else mine

        return TicketFields(
            status=str(pick("status")),
            priority=str(pick("priority")),
            group_id=_optional_id(pick("group_id")),
            assignee_id=_optional_id(pick("assignee_id")),
        )


def _optional_id(value: FieldValue) -> int | None:
    return None if value is None else int(value)


def stale_edit(*, seen: TicketFields, yours: UpdateTicket, current: TicketView) -> StaleEdit:
    """The fields someone else changed since ``yours.expected_version`` and those the editor
    asked to change, in the order of the sidebar; fields neither touched are left out."""
    now = TicketFields.of(current)
    diffs = tuple(
        FieldDiff(
            name=name, seen=seen.value(name), theirs=now.value(name), yours=asked(yours, name)
        )
        for name in FIELD_NAMES
        if now.value(name) != seen.value(name) or asked(yours, name) is not UNSET
    )
    return StaleEdit(
        seen_version=yours.expected_version or 0, current=current, diffs=diffs, yours=yours
    )
