"""DeadLetterStore contract (the in-memory shape, and the dispatcher's store on SQLite and
PostgreSQL): an empty store pages nothing, and a replay of an unknown dead letter is None.
(Only the dispatcher ever holds dead letters; tests/integration/test_dead_letters.py covers
them on every broker.)"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tessera.application.ports.dead_letters import DeadLetterStore
from tessera.infrastructure.memory.dead_letters import InMemoryDeadLetterStore
from tessera.infrastructure.messaging.dispatcher import ConsumerDispatcher
from tessera.infrastructure.persistence.engine import create_engine


@pytest.fixture
async def dead_letters(backend_url: str | None) -> AsyncIterator[DeadLetterStore]:
    if backend_url is None:
        yield InMemoryDeadLetterStore()
        return
    engine = create_engine(backend_url)
    yield ConsumerDispatcher(engine, [])
    await engine.dispose()


async def test_an_empty_store_pages_nothing(dead_letters: DeadLetterStore) -> None:
    assert await dead_letters.page(after_id=0, limit=10) == []
    assert await dead_letters.page(after_id=5, limit=10) == []


async def test_replaying_an_unknown_dead_letter_is_none(dead_letters: DeadLetterStore) -> None:
    assert await dead_letters.replay(12345) is None
