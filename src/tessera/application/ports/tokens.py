"""Token port: where API tokens (hashes, never secrets) are kept."""

from __future__ import annotations

from typing import Protocol

from tessera.domain.access.tokens import ApiToken


class TokenRepository(Protocol):
    async def add(self, token: ApiToken) -> None:
        """Store a new token and give it its identity."""
        ...

    async def get(self, token_id: int) -> ApiToken | None: ...

    async def get_by_hash(self, token_hash: str) -> ApiToken | None: ...

    async def list(self, *, after_id: int, limit: int) -> list[ApiToken]:
        """Tokens in id order, starting after ``after_id``."""
        ...

    async def save(self, token: ApiToken) -> None: ...

    async def count(self) -> int: ...
