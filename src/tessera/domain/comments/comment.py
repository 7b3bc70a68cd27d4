"""Comments: public replies the customer sees, and internal notes only staff see."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import NewType

from tessera.domain.access.principal import Principal, Role
from tessera.domain.errors import DomainValidationError

CommentBody = NewType("CommentBody", str)
BODY_MAX = 10_000
NEW_COMMENT_ID = 0


def parse_body(raw: str) -> CommentBody:
    value = raw.strip()
    if not 1 <= len(value) <= BODY_MAX:
        raise DomainValidationError.single("body", f"must be 1 to {BODY_MAX} characters")
    return CommentBody(value)


@dataclass(eq=False, kw_only=True)
class Comment:
    id: int
    ticket_id: int
    author_id: int
    author_role: Role
    body: CommentBody
    public: bool
    created_at: datetime

    @classmethod
    def write(
        cls, *, ticket_id: int, author: Principal, body: CommentBody, public: bool, now: datetime
    ) -> Comment:
        return cls(
            id=NEW_COMMENT_ID,
            ticket_id=ticket_id,
            author_id=author.user_id,
            author_role=author.role,
            body=body,
            public=public,
            created_at=now,
        )

    @property
    def by_staff(self) -> bool:
        return self.author_role is not Role.REQUESTER

    def visible_to(self, principal: Principal) -> bool:
        """Requesters never see internal notes."""
        return self.public or principal.is_staff
