"""Rate limiting port: one token bucket per caller and kind of request."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class RateDecision:
    allowed: bool
    limit: int  # the bucket's size: requests allowed in a burst
    remaining: int
    reset_seconds: int  # until the bucket is full again
    retry_after_seconds: int = 0  # when refused: until one request is allowed


class RateLimiter(Protocol):
    async def hit(self, key: str, *, capacity: int, per_seconds: float) -> RateDecision:
        """Take one token from ``key``'s bucket (``capacity`` tokens, refilled evenly over
        ``per_seconds``)."""
        ...
