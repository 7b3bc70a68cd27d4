"""API tokens: the user each acts as, with which role; the secret itself is never kept, only
its hash. ``role`` and ``email`` are the user's when the token was issued (the user decides
what a token may do when it is used)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from tessera.domain.access.mailboxes import EmailAddress
from tessera.domain.access.principal import Role
from tessera.domain.errors import DomainValidationError

NAME_MAX = 100


@dataclass(eq=False, kw_only=True)
class ApiToken:
    id: int
    user_id: int
    name: str
    role: Role
    email: EmailAddress | None
    token_hash: str
    created_at: datetime
    revoked_at: datetime | None = None

    @classmethod
    def issue(
        cls,
        *,
        user_id: int,
        name: str,
        role: Role,
        email: EmailAddress | None,
        token_hash: str,
        now: datetime,
    ) -> ApiToken:
        """Raises DomainValidationError when a requester has no e-mail or the name is blank."""
        name = name.strip()
        if not name or len(name) > NAME_MAX:
            raise DomainValidationError.single("name", f"must be 1 to {NAME_MAX} characters")
        if role is Role.REQUESTER and email is None:
            raise DomainValidationError.single("email", "is required for requester tokens")
        return cls(
            id=0,
            user_id=user_id,
            name=name,
            role=role,
            email=email,
            token_hash=token_hash,
            created_at=now,
        )

    @property
    def active(self) -> bool:
        return self.revoked_at is None
