"""Token views; the secret appears only in IssuedToken, once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from tessera.domain.access.tokens import ApiToken


@dataclass(frozen=True, slots=True, kw_only=True)
class TokenView:
    id: int
    user_id: int
    name: str
    role: str
    email: str | None
    created_at: datetime
    revoked_at: datetime | None

    @classmethod
    def of(cls, token: ApiToken) -> TokenView:
        return cls(
            id=token.id,
            user_id=token.user_id,
            name=token.name,
            role=token.role.value,
            email=token.email,
            created_at=token.created_at,
            revoked_at=token.revoked_at,
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class IssuedToken:
    token: TokenView
    secret: str


@dataclass(frozen=True, slots=True)
class TokenPage:
    items: list[TokenView]
    next_cursor: str | None
