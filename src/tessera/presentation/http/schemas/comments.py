"""Comment schemas."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from tessera.domain.comments.comment import BODY_MAX
from tessera.presentation.http.schemas.attachments import AttachmentResponse, UploadTokens
from tessera.presentation.http.schemas.pages import PageLinks
from tessera.presentation.http.schemas.text import RequestModel

BodyText = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=BODY_MAX)
]


class CommentCreateRequest(RequestModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"body": "Could you send us a screenshot of the error?", "public": True},
                {"body": "Customer is on the legacy plan; check billing first.", "public": False},
            ]
        },
    )

    body: BodyText
    public: bool = Field(
        default=True,
        description="true: a reply the customer sees; false: an internal note (staff only)",
    )
    uploads: UploadTokens


class CommentResponse(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": 7,
                    "ticket_id": 42,
                    "author_id": 2,
                    "author_role": "agent",
                    "body": "Could you send us a screenshot of the error?",
                    "public": True,
                    "created_at": "2026-11-24T09:45:00Z",
                }
            ]
        }
    )

    id: int
    ticket_id: int = Field(description="The ticket it was written on (a merged duplicate's id)")
    author_id: int = Field(description="The author's token id")
    author_role: str
    body: str
    public: bool
    created_at: datetime
    attachments: list[AttachmentResponse] = Field(
        default_factory=list, description="Its files (an internal note's are for staff)"
    )


class CommentListResponse(BaseModel):
    data: list[CommentResponse]
    next_cursor: str | None = Field(description="Pass as `cursor` for more; null at the end")
    links: PageLinks
