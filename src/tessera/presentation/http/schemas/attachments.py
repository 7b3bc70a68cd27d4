"""Attachment schemas: a file's metadata, an upload's answer, the tokens a write may attach."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

UploadToken = Annotated[str, StringConstraints(min_length=1, max_length=100)]
UploadTokens = Annotated[
    list[UploadToken],
    Field(
        default_factory=list,
        max_length=1000,
        description="Tokens from POST /v1/uploads; each attaches its file once, by its uploader",
    ),
]

_ATTACHMENT: dict[str, Any] = {
    "id": 3,
    "filename": "error.png",
    "content_type": "image/png",
    "size": 48213,
    "sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
}


class AttachmentResponse(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [_ATTACHMENT]})

    id: int
    filename: str = Field(description="Sanitised: no path, no control characters")
    content_type: str = Field(description="As declared, or found in the bytes when generic")
    size: int = Field(description="Bytes")
    sha256: str = Field(description="Hex digest of the bytes; also the download's ETag")


class UploadResponse(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"token": "upl_3q2...", "attachment": _ATTACHMENT}]}
    )

    token: str = Field(description="Attach with `uploads` on a new ticket or comment (24 h)")
    attachment: AttachmentResponse


class AttachmentListResponse(BaseModel):
    data: list[AttachmentResponse]
