"""Webhook schemas."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator

from tessera.presentation.http.schemas.pages import PageLinks
from tessera.presentation.http.schemas.text import RequestModel


class WebhookCreateRequest(RequestModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "url": "https://hooks.example.com/tessera",
                    "event_types": ["ticket.created", "ticket.status_changed"],
                    "description": "CRM sync",
                }
            ]
        },
    )

    url: str = Field(min_length=1, max_length=2000, description="http(s) endpoint")
    event_types: list[str] = Field(
        default_factory=list,
        max_length=20,
        description="Only these types; empty for every ticket event (people events "
        "such as user.created only by name)",
    )
    secret: str | None = Field(
        default=None,
        min_length=16,
        max_length=128,
        description="Signs each delivery: `whsec_` and the standard base64 of a 24 to 64 byte "
        "key (Standard Webhooks); generated when left out",
    )
    description: str | None = Field(default=None, max_length=200)


class WebhookUpdateRequest(RequestModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"active": True}]})

    url: str | None = Field(default=None, min_length=1, max_length=2000)
    event_types: list[str] | None = Field(default=None, max_length=20)
    description: str | None = Field(default=None, max_length=200)
    active: bool | None = Field(
        default=None, description="true re-enables a disabled webhook; false disables it"
    )

    @field_validator("url", "event_types", "active", mode="before")
    @classmethod
    def _not_null(cls, value: object) -> object:
        if value is None:
            raise ValueError("leave the field out to keep it; it cannot be null")
        return value


class WebhookResponse(BaseModel):
    id: int
    url: str
    event_types: list[str]
    description: str | None
    created_at: datetime
    active: bool = Field(description="false once disabled: no deliveries are queued or sent")
    disabled_reason: str | None = Field(description="Why it was disabled")
    disabled_at: datetime | None
    previous_secret_expires_at: datetime | None = Field(
        description="Until then deliveries are also signed with the secret before the last rotation"
    )


class WebhookCreatedResponse(WebhookResponse):
    secret: str = Field(description="Shown only in this response")


class WebhookSecretResponse(BaseModel):
    id: int
    secret: str = Field(description="The new secret, shown only in this response")
    previous_secret_expires_at: datetime = Field(
        description="The old secret signs beside the new one until then (24 h)"
    )


class WebhookListResponse(BaseModel):
    data: list[WebhookResponse]
    next_cursor: str | None
    links: PageLinks


class AttemptResponse(BaseModel):
    attempt: int
    started_at: datetime
    duration_ms: int
    status_code: int | None
    error: str | None


class DeliveryResponse(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": 31,
                    "webhook_id": 2,
                    "event_id": "1f6e2c1a-4f7b-4c55-9d43-0b5f0e6c2a91",
                    "event_type": "ticket.created",
                    "state": "pending",
                    "attempts": 1,
                    "next_attempt_at": "2026-11-24T09:31:10Z",
                    "last_status_code": 500,
                    "last_error": "HTTP 500",
                    "created_at": "2026-11-24T09:31:00Z",
                    "delivered_at": None,
                    "attempt_log": [
                        {
                            "attempt": 1,
                            "started_at": "2026-11-24T09:31:00Z",
                            "duration_ms": 84,
                            "status_code": 500,
                            "error": "HTTP 500",
                        }
                    ],
                }
            ]
        }
    )

    id: int
    webhook_id: int
    event_id: str
    event_type: str
    state: str = Field(description="pending, succeeded or dead")
    attempts: int
    next_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None
    attempt_log: list[AttemptResponse]


class DeliveryListResponse(BaseModel):
    data: list[DeliveryResponse]
    next_cursor: str | None
    links: PageLinks
