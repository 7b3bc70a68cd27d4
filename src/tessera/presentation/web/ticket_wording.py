"""How the ticket page words things: field values, sizes, time left and the history's lines."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from tessera.application.events.cloudevents import CloudEvent
from tessera.application.people.names import actor_user_id

STATUS_LABELS: Mapping[str, str] = {
    "open": "Open",
    "in_progress": "In progress",
    "pending": "Pending",
    "resolved": "Resolved",
    "closed": "Closed",
}
PRIORITY_LABELS: Mapping[str, str] = {
    "low": "Low",
    "medium": "Medium",
    "high": "High",
    "critical": "Critical",
}
FIELD_LABELS: Mapping[str, str] = {
    "status": "Status",
    "priority": "Priority",
    "group_id": "Group",
    "assignee_id": "Assignee",
    "title": "Title",
    "description": "Description",
    "tags": "Tags",
    "follower_ids": "Followers",
    "body": "Reply",
    "uploads": "Files",
}
SLA_TARGETS: Mapping[str, str] = {
    "first_response": "First response",
    "resolution": "Resolution",
}
NOBODY = "Unassigned"
NO_GROUP = "No group"


@dataclass(frozen=True, slots=True, kw_only=True)
class Names:
    """Who and what ids stand for on this page."""

    users: Mapping[int, str]
    groups: Mapping[int, str]

    def user(self, user_id: int | None, *, none: str = NOBODY) -> str:
        if user_id is None:
            return none
        return self.users.get(user_id, f"User {user_id}")

    def group(self, group_id: int | None) -> str:
        if group_id is None:
            return NO_GROUP
        return self.groups.get(group_id, f"Group {group_id}")

    def actor(self, actor: str) -> str:
        user_id = actor_user_id(actor)
        return "System" if user_id is None else self.user(user_id)

    def field_value(self, field: str, value: Any) -> str:
        """A value of one of the ticket's fields, as a person reads it."""
        if field == "status":
            return STATUS_LABELS.get(str(value), str(value))
        if field == "priority":
            return PRIORITY_LABELS.get(str(value), str(value))
        if field == "assignee_id":
            return self.user(value)
        if field == "group_id":
            return self.group(value)
        if field in ("tags", "follower_ids"):
            items = [self.user(v) if field == "follower_ids" else str(v) for v in value or ()]
            return ", ".join(items) or "none"
        return str(value)


def file_size(size: int) -> str:
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size / (1024 * 1024):.1f} MB"


def time_left(remaining: timedelta) -> str:
    """``3 h 20 min`` (minutes rounded down), ``45 min``, ``less than a minute``."""
    minutes = int(abs(remaining).total_seconds() // 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    parts = [f"{days} d" if days else "", f"{hours} h" if hours else ""]
    parts.append(f"{minutes} min" if minutes and not days else "")
    return " ".join(p for p in parts if p) or "less than a minute"


@dataclass(frozen=True, slots=True, kw_only=True)
class HistoryLine:
    at: datetime
    who: str
    what: str


def history_line(event: CloudEvent, names: Names) -> HistoryLine:
    describe = _DESCRIBE.get(event.type)
    what = describe(event.data, names) if describe is not None else event.type
    return HistoryLine(at=event.time, who=names.actor(event.actor), what=what)


def _updated(data: dict[str, Any], names: Names) -> str:
    parts = []
    for field, change in data.get("changes", {}).items():
        label = FIELD_LABELS.get(field, field)
        if field in ("title", "description"):
            parts.append(f"changed the {label.lower()}")
            continue
        old = names.field_value(field, change.get("old"))
        new = names.field_value(field, change.get("new"))
        parts.append(f"changed {label.lower()} from {old} to {new}")
    text = "; ".join(parts) or "changed the ticket"
    return text[0].upper() + text[1:]


def _assigned(data: dict[str, Any], names: Names) -> str:
    if data.get("new") is None:
        return f"Unassigned (was {names.user(data.get('old'))})"
    return f"Assigned to {names.user(data.get('new'))}"


def _commented(data: dict[str, Any], _names: Names) -> str:
    what = "Replied publicly" if data.get("public") else "Left an internal note"
    files = len(data.get("attachments", ()))
    return f"{what} with {files} file{'s' if files != 1 else ''}" if files else what


_DESCRIBE: dict[str, Callable[[dict[str, Any], Names], str]] = {
    "ticket.created": lambda data, _n: (
        f"Opened the ticket ({data['ticket'].get('channel', 'api')})"
        if "ticket" in data
        else "Opened the ticket"
    ),
    "ticket.updated": _updated,
    "ticket.status_changed": lambda data, n: (
        f"Changed status from {n.field_value('status', data.get('old'))} "
        f"to {n.field_value('status', data.get('new'))}"
    ),
    "ticket.assigned": _assigned,
    "ticket.commented": _commented,
    "ticket.merged": lambda data, _n: (
        f"Merged #{data.get('source_id')} into #{data.get('target_id')}"
    ),
    "ticket.sla_breached": lambda data, _n: (
        f"Missed the {SLA_TARGETS.get(str(data.get('target')), 'SLA').lower()} target"
    ),
    "ticket.deleted": lambda _data, _n: "Deleted the ticket",
}
