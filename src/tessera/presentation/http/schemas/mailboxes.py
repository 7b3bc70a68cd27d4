"""Mailbox schemas: the inbound e-mail channel's configuration and what came in."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from tessera.presentation.http.schemas.pages import PageLinks
from tessera.presentation.http.schemas.text import RequestModel

_IMAP_EXAMPLE: dict[str, Any] = {
    "address": "support@example.com",
    "group_id": None,
    "intake": {
        "kind": "imap",
        "host": "imap.example.com",
        "port": 993,
        "tls": "tls",
        "user": "support@example.com",
        "password": "app-password",
        "folder": "INBOX",
    },
}


class ImapIntakeRequest(RequestModel):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["imap"]
    host: str = Field(min_length=1, max_length=253)
    port: int = Field(default=993, ge=1, le=65535)
    tls: Literal["none", "starttls", "tls"] = "tls"
    user: str = Field(min_length=1, max_length=254)
    password: str | None = Field(
        default=None,
        min_length=1,
        max_length=1024,
        description="Write-only: never shown; left out on an update, the stored one stays",
    )
    folder: str = Field(default="INBOX", min_length=1, max_length=200)


class LmtpIntakeRequest(RequestModel):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["lmtp"]


IntakeRequest = Annotated[ImapIntakeRequest | LmtpIntakeRequest, Field(discriminator="kind")]


class MailboxRequest(RequestModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [_IMAP_EXAMPLE]})

    address: str = Field(min_length=3, max_length=254)
    group_id: int | None = Field(
        default=None,
        ge=1,
        le=2**63 - 1,
        description="An existing group: tickets made from this mailbox's mail go to it.",
    )
    intake: IntakeRequest


class IntakeResponse(BaseModel):
    kind: Literal["imap", "lmtp"]
    host: str | None = None
    port: int | None = None
    tls: str | None = None
    user: str | None = None
    folder: str | None = None


class MailboxResponse(BaseModel):
    id: int
    address: str
    group_id: int | None
    intake: IntakeResponse
    created_at: datetime
    updated_at: datetime


class MailboxListResponse(BaseModel):
    data: list[MailboxResponse]
    next_cursor: str | None
    links: PageLinks


class InboundMessageResponse(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    id: int
    message_id: str | None
    sender: str | None = Field(serialization_alias="from", alias="from")
    subject: str | None
    received_at: datetime
    outcome: (
        Literal["created_ticket", "added_comment", "ignored_auto_reply", "duplicate", "failed"]
        | None
    ) = Field(description="null while the message waits to be processed")
    ticket_id: int | None
    reason: str | None


class InboundMessageListResponse(BaseModel):
    data: list[InboundMessageResponse]
    next_cursor: str | None
    links: PageLinks
