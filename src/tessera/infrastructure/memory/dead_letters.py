"""The dead letters of the in-memory shape (unit tests), which runs no consumers: none."""

from __future__ import annotations

from tessera.application.ports.dead_letters import DeadLetterView, ReplayOutcome


class InMemoryDeadLetterStore:
    async def page(self, *, after_id: int, limit: int) -> list[DeadLetterView]:
        return []

    async def replay(self, dead_letter_id: int) -> ReplayOutcome | None:
        return None
