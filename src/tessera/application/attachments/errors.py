"""Attachment errors."""

from __future__ import annotations

from tessera.application.errors import NotFoundError
from tessera.domain.errors import TesseraError


class AttachmentNotFoundError(NotFoundError):
    code = "attachment_not_found"

    def __init__(self, attachment_id: int) -> None:
        super().__init__(f"Attachment {attachment_id} not found", details={"id": attachment_id})


class RefusedTypeError(TesseraError):
    code = "unsupported_media_type"

    def __init__(self, content_type: str) -> None:
        super().__init__(
            f"Files of type {content_type} are not accepted", details={"type": content_type}
        )
