"""Login link ports: the portal's one-time e-mailed links and the mail that carries them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True, slots=True, kw_only=True)
class LoginLink:
    """One link. The mail holds the token; the store keeps only its digest."""

    token_hash: str
    user_id: int
    created_at: datetime
    expires_at: datetime


class LoginLinkStore(Protocol):
    async def add(self, link: LoginLink) -> None: ...

    async def redeem(self, token_hash: str, *, now: datetime) -> int | None:
        """Marks the link used and answers its user, once: None for an unknown, used or
        expired link (at ``now``). Two redemptions racing each other: one wins."""
        ...

    async def delete_expired(self, now: datetime) -> int: ...


class LoginLinkMailer(Protocol):
    async def send(self, *, recipient: str, name: str, link: str, expires_at: datetime) -> None:
        """Queues the mail (the outgoing mail's sender delivers it); never raises for a mail
        server that is down."""
        ...
