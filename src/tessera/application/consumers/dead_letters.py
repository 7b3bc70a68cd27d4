"""Use cases: list the dead letters, and replay one once its cause is fixed (admins only)."""

from __future__ import annotations

from tessera.application.errors import ForbiddenError, NotFoundError
from tessera.application.ports.dead_letters import DeadLetterStore, DeadLetterView
from tessera.domain.access.principal import Principal, can_administer
from tessera.domain.errors import TesseraError


class DeadLetterNotFoundError(NotFoundError):
    code = "dead_letter_not_found"

    def __init__(self, dead_letter_id: int) -> None:
        super().__init__(f"Dead letter {dead_letter_id} not found", details={"id": dead_letter_id})


class ReplayFailedError(TesseraError):
    """The consumer failed again; the dead letter stays, with one more attempt."""

    code = "replay_failed"

    def __init__(self, dead_letter: DeadLetterView, error: str) -> None:
        super().__init__(
            f"Consumer {dead_letter.consumer} failed again on event {dead_letter.event_id}",
            details={"id": dead_letter.id, "error": error},
        )


def _ensure_admin(principal: Principal | None) -> None:
    # None: the operator at the command line (`tessera dead-letters ...`).
    if principal is not None and not can_administer(principal):
        raise ForbiddenError("Only admins may see and replay dead letters")


class ListDeadLettersHandler:
    """Raises ForbiddenError."""

    def __init__(self, *, store: DeadLetterStore) -> None:
        self._store = store

    async def __call__(
        self, *, principal: Principal | None, after_id: int, limit: int
    ) -> list[DeadLetterView]:
        _ensure_admin(principal)
        return await self._store.page(after_id=after_id, limit=limit)


class ReplayDeadLetterHandler:
    """Re-delivers the event to its consumer; on success the dead letter is removed and
    returned. Raises ForbiddenError, DeadLetterNotFoundError and ReplayFailedError."""

    def __init__(self, *, store: DeadLetterStore) -> None:
        self._store = store

    async def __call__(self, dead_letter_id: int, *, principal: Principal | None) -> DeadLetterView:
        _ensure_admin(principal)
        outcome = await self._store.replay(dead_letter_id)
        if outcome is None:
            raise DeadLetterNotFoundError(dead_letter_id)
        if outcome.error is not None:
            raise ReplayFailedError(outcome.dead_letter, outcome.error)
        return outcome.dead_letter
