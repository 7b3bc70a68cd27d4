"""The wire form of a domain event: a CloudEvents 1.0 JSON document (SPEC §3)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from tessera.domain.events import TICKET_SUBJECT, DomainEvent, PeopleEvent

SPEC_VERSION = "1.0"
DEFAULT_SOURCE = "/tessera"
# The ``sequence`` extension is a string whose order is its lexicographic order (CloudEvents
# sequence extension, SPEC §12): the per-ticket counter, zero-padded to the width of its
# largest value (a 32-bit column), so "0000000009" < "0000000010".
SEQUENCE_WIDTH = 10


def sequence_text(sequence: int) -> str:
    return f"{sequence:0{SEQUENCE_WIDTH}d}"


def subject_text(kind: str, subject_id: int) -> str:
    """A ticket's events have its id as their subject (``"42"``); people events a path of
    their kind (``"users/7"``, ``"organizations/3"``, ``"groups/2"``)."""
    return str(subject_id) if kind == TICKET_SUBJECT else f"{kind}s/{subject_id}"


def source_for(namespace: str) -> str:
    """The default ``source`` of a deployment: its namespace as a URI reference."""
    return f"/{namespace}"


@dataclass(frozen=True, slots=True, kw_only=True)
class CloudEvent:
    """One event as published, stored in history and sent to webhooks.

    ``sequence`` (per ticket, from 1; on the wire a fixed-width string, see sequence_text)
    and ``actor`` are CloudEvents extension attributes; ``source`` names the deployment;
    ``traceparent`` is the W3C trace context of the request that caused the event.
    """

    id: str
    type: str
    source: str
    subject: str
    time: datetime
    sequence: int
    actor: str
    data: dict[str, Any]
    traceparent: str | None = None

    @property
    def ticket_id(self) -> int:
        """The ticket of a ticket event (see ``subject_kind``)."""
        return int(self.subject)

    @property
    def subject_kind(self) -> str:
        """``ticket``, or the kind of person or team a people event is about."""
        kind, slash, _ = self.subject.partition("/")
        return kind.removesuffix("s") if slash else TICKET_SUBJECT

    @property
    def subject_id(self) -> int:
        return int(self.subject.rpartition("/")[2])

    def to_dict(self) -> dict[str, Any]:
        document: dict[str, Any] = {
            "specversion": SPEC_VERSION,
            "id": self.id,
            "source": self.source,
            "type": self.type,
            "subject": self.subject,
            "time": self.time.astimezone(UTC).isoformat().replace("+00:00", "Z"),
            "datacontenttype": "application/json",
            "sequence": sequence_text(self.sequence),
            "actor": self.actor,
            "data": self.data,
        }
        if self.traceparent:
            document["traceparent"] = self.traceparent
        return document

    @classmethod
    def from_dict(cls, document: dict[str, Any]) -> CloudEvent:
        """Raises KeyError or ValueError for a document that is not one of ours."""
        if document.get("specversion") != SPEC_VERSION:
            raise ValueError(f"unsupported specversion {document.get('specversion')!r}")
        return cls(
            id=document["id"],
            type=document["type"],
            source=document["source"],
            subject=str(document["subject"]),
            time=datetime.fromisoformat(document["time"].replace("Z", "+00:00")),
            sequence=int(document["sequence"]),
            actor=document["actor"],
            data=document["data"],
            traceparent=document.get("traceparent"),
        )

    @classmethod
    def of(
        cls,
        event: DomainEvent | PeopleEvent,
        *,
        source: str = DEFAULT_SOURCE,
        traceparent: str | None = None,
    ) -> CloudEvent:
        subject = (
            subject_text(event.subject_kind, event.subject_id)
            if isinstance(event, PeopleEvent)
            else str(event.ticket_id)
        )
        return cls(
            id=event.event_id,
            type=event.type,
            source=source,
            subject=subject,
            time=event.occurred_at,
            sequence=event.sequence,
            actor=event.actor,
            data=event.data(),
            traceparent=traceparent,
        )
