"""Idempotency port: the first answer to a keyed request, kept for its retries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol


class ClaimState(StrEnum):
    STARTED = "started"  # this request owns the key: run it, then ``complete``
    REPLAY = "replay"  # answered before: send the stored answer
    MISMATCH = "mismatch"  # the key was used for another request
    IN_FLIGHT = "in_flight"  # the first request with this key is still running


@dataclass(frozen=True, slots=True)
class StoredAnswer:
    status: int
    headers: list[tuple[str, str]]
    body: bytes


@dataclass(frozen=True, slots=True)
class Claim:
    state: ClaimState
    answer: StoredAnswer | None = None


class IdempotencyStore(Protocol):
    """Raises ServiceUnavailableError when the store cannot be reached."""

    async def claim(
        self, owner: str, key: str, *, fingerprint: str, now: datetime, expires_at: datetime
    ) -> Claim:
        """Claim the key until ``expires_at`` (the lease of a request in flight). A key whose
        claim or answer has expired by ``now`` is free again."""
        ...

    async def complete(
        self, owner: str, key: str, answer: StoredAnswer, *, expires_at: datetime
    ) -> None:
        """Keep the answer for retries until ``expires_at``."""
        ...

    async def release(self, owner: str, key: str) -> None:
        """Forget a claim whose request failed (5xx), so that a retry runs it again."""
        ...
