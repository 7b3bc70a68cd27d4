"""Event schemas: CloudEvents 1.0 as served by the history and the changes feed."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from tessera.presentation.http.schemas.pages import PageLinks

_EXAMPLE: dict[str, Any] = {
    "specversion": "1.0",
    "id": "1f6e2c1a-4f7b-4c55-9d43-0b5f0e6c2a91",
    "source": "/tessera",
    "type": "ticket.status_changed",
    "subject": "42",
    "time": "2026-11-24T09:30:00Z",
    "datacontenttype": "application/json",
    "sequence": "0000000003",
    "actor": "user:7",
    "data": {"old": "open", "new": "in_progress"},
    "traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
}


class CloudEventResponse(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [_EXAMPLE]})

    specversion: str = Field(description="Always 1.0")
    id: str = Field(description="Unique event id; consumers deduplicate by it")
    source: str = Field(description="The deployment (TESSERA_EVENT_SOURCE; /<namespace>)")
    type: str = Field(description="ticket.created, ticket.updated, ticket.status_changed, ...")
    subject: str = Field(description="The ticket id")
    time: datetime
    datacontenttype: str
    sequence: str = Field(
        description="Per-ticket order from 0000000001: ten digits, so it sorts as text",
        pattern=r"^[0-9]{10}$",
    )
    actor: str = Field(description="Who caused the change: the acting user, e.g. user:7")
    data: dict[str, Any] = Field(description="The event's fields; updates carry old and new")
    traceparent: str | None = Field(default=None, description="W3C trace context")


class HistoryResponse(BaseModel):
    data: list[CloudEventResponse]
    next_cursor: str | None = Field(description="Pass as `cursor` for more; null at the end")
    links: PageLinks


class FeedResponse(BaseModel):
    data: list[CloudEventResponse]
    next_cursor: str = Field(
        description="Pass as `after` to resume; returned even at the end, so a poller "
        "keeps it and asks again later"
    )
    links: PageLinks
