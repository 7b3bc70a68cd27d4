"""Dead-letter port: events a consumer gave up on after the configured number of deliveries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol


@dataclass(frozen=True, slots=True, kw_only=True)
class DeadLetterView:
    id: int
    consumer: str  # the consumer group
    event_id: str
    event_type: str
    event: dict[str, Any]  # the CloudEvent as delivered
    error: str  # the last failure
    attempts: int
    first_failed_at: datetime
    last_failed_at: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class ReplayOutcome:
    """``error`` is None when the consumer handled the event: the record is then gone.
    Otherwise the record stays, with one more attempt and this error."""

    dead_letter: DeadLetterView
    error: str | None


class DeadLetterStore(Protocol):
    async def page(self, *, after_id: int, limit: int) -> list[DeadLetterView]:
        """Dead letters in id order, after ``after_id``."""
        ...

    async def replay(self, dead_letter_id: int) -> ReplayOutcome | None:
        """Hand the event to its consumer once more, now; None when there is no such
        dead letter. The consumer's handling is recorded like any other delivery's, so the
        broker never hands it the event again."""
        ...
