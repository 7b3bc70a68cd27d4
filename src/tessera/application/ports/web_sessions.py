"""Web session port: the server-side sessions of people logged in to the console or portal."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True, slots=True, kw_only=True)
class WebSession:
    """One login. The browser holds the secret; the store keeps only its digest (a copy of
    the table logs nobody in). ``csrf_token`` is sent back in every form and htmx request."""

    secret_hash: str
    user_id: int
    csrf_token: str
    created_at: datetime
    expires_at: datetime


class WebSessionStore(Protocol):
    async def add(self, session: WebSession) -> None: ...

    async def get(self, secret_hash: str) -> WebSession | None:
        """The session, expired or not (the caller compares ``expires_at`` with its clock)."""
        ...

    async def delete(self, secret_hash: str) -> None:
        """Nothing happens for a session that is already gone."""
        ...

    async def delete_for_user(self, user_id: int) -> int:
        """Ends every session of the user; how many there were."""
        ...

    async def delete_expired(self, now: datetime) -> int: ...
