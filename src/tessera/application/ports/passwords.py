"""Password port: a slow, salted one-way hash (argon2id); the password itself is never kept."""

from __future__ import annotations

from typing import Protocol


class PasswordHasher(Protocol):
    async def hash(self, password: str) -> str: ...

    async def verify(self, password_hash: str, password: str) -> bool:
        """Whether ``password`` is the one hashed; False for any mismatch or bad hash."""
        ...
