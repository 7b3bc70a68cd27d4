"""Dead-letter response schemas (the OpenAPI description of ``/v1/dead-letters``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from tessera.presentation.http.schemas.pages import PageLinks


class DeadLetterResponse(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": 3,
                    "consumer": "webhooks",
                    "event_id": "1f6e2c1a-4f7b-4c55-9d43-0b5f0e6c2a91",
                    "event_type": "ticket.created",
                    "event": {"specversion": "1.0", "type": "ticket.created", "subject": "42"},
                    "error": "OperationalError: disk full",
                    "attempts": 5,
                    "first_failed_at": "2026-11-24T09:31:00Z",
                    "last_failed_at": "2026-11-24T09:31:09Z",
                }
            ]
        }
    )

    id: int
    consumer: str = Field(description="The consumer group that gave up on the event")
    event_id: str
    event_type: str
    event: dict[str, Any] = Field(description="The CloudEvent as it was delivered")
    error: str = Field(description="The last failure")
    attempts: int
    first_failed_at: datetime
    last_failed_at: datetime


class DeadLetterListResponse(BaseModel):
    data: list[DeadLetterResponse]
    next_cursor: str | None
    links: PageLinks
