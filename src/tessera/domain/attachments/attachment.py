"""An uploaded file: stored once by its digest, claimed once by its uploader's token."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from tessera.domain.access.principal import Principal
from tessera.domain.errors import DomainValidationError

UPLOAD_LIFETIME = timedelta(hours=24)
NEW_ATTACHMENT_ID = 0


def uploader_id(principal: Principal) -> int:
    """Who an upload belongs to: the one place that names the uploading user."""
    return principal.user_id


@dataclass(eq=False, kw_only=True)
class Attachment:
    id: int
    sha256: str
    size: int
    content_type: str
    filename: str
    uploader_id: int
    created_at: datetime
    token_hash: str | None  # None once the upload was attached
    expires_at: datetime | None  # an upload nothing refers to is swept at this time
    ticket_id: int | None = None
    comment_id: int | None = None
    public: bool = True  # follows the comment: an internal note's files are staff-only

    @classmethod
    def upload(
        cls,
        *,
        sha256: str,
        size: int,
        content_type: str,
        filename: str,
        uploader: Principal,
        token_hash: str,
        now: datetime,
    ) -> Attachment:
        return cls(
            id=NEW_ATTACHMENT_ID,
            sha256=sha256,
            size=size,
            content_type=content_type,
            filename=filename,
            uploader_id=uploader_id(uploader),
            created_at=now,
            token_hash=token_hash,
            expires_at=now + UPLOAD_LIFETIME,
        )

    @property
    def attached(self) -> bool:
        return self.ticket_id is not None

    def usable_by(self, principal: Principal, *, now: datetime) -> bool:
        return (
            not self.attached
            and self.uploader_id == uploader_id(principal)
            and (self.expires_at is None or now < self.expires_at)
        )

    def attach(self, *, ticket_id: int, comment_id: int | None, public: bool) -> None:
        self.ticket_id = ticket_id
        self.comment_id = comment_id
        self.public = public
        self.token_hash = None
        self.expires_at = None

    def metadata(self) -> dict[str, Any]:
        """What events and webhooks carry of a file: never its bytes."""
        return {
            "id": self.id,
            "filename": self.filename,
            "content_type": self.content_type,
            "size": self.size,
            "sha256": self.sha256,
        }

    def visible_to(self, principal: Principal) -> bool:
        """Given that the principal may see the ticket: notes' files are for staff; an
        upload not attached yet only for its uploader."""
        if not self.attached:
            return self.uploader_id == uploader_id(principal)
        return self.public or principal.is_staff


def check_count(count: int, *, limit: int) -> None:
    """Raises DomainValidationError when a comment would carry more than ``limit`` files."""
    if count > limit:
        raise DomainValidationError.single("uploads", f"at most {limit} files per comment")
