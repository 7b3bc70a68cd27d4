"""IdempotencyStore contract (SQLite and PostgreSQL): the first claim of a key starts the
request; its retries are in flight until it completes, then replay the stored answer; another
request under the key is a mismatch; expired claims and answers free the key; a release
forgets the claim."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from tessera.application.errors import ServiceUnavailableError
from tessera.application.ports.idempotency import ClaimState, IdempotencyStore, StoredAnswer
from tessera.infrastructure.persistence.engine import create_engine
from tessera.infrastructure.persistence.idempotency import SqlAlchemyIdempotencyStore
from tests.contract.conftest import unreachable_database_url

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
LEASE = timedelta(seconds=30)
KEEP = timedelta(hours=24)
ANSWER = StoredAnswer(
    status=201, headers=[("content-type", "application/json"), ("etag", '"1"')], body=b"{}"
)


def store(engine: AsyncEngine) -> IdempotencyStore:
    return SqlAlchemyIdempotencyStore(engine)


async def claim(
    keys: IdempotencyStore, *, owner: str = "token:1", fingerprint: str = "f", at: datetime = NOW
) -> ClaimState:
    found = await keys.claim(owner, "k", fingerprint=fingerprint, now=at, expires_at=at + LEASE)
    return found.state


async def test_claim_then_complete_then_replay(engine: AsyncEngine) -> None:
    keys = store(engine)
    assert await claim(keys) is ClaimState.STARTED
    assert await claim(keys) is ClaimState.IN_FLIGHT
    await keys.complete("token:1", "k", ANSWER, expires_at=NOW + KEEP)
    replay = await keys.claim("token:1", "k", fingerprint="f", now=NOW, expires_at=NOW + LEASE)
    assert replay.state is ClaimState.REPLAY
    assert replay.answer == ANSWER


async def test_another_request_under_the_key_is_a_mismatch(engine: AsyncEngine) -> None:
    keys = store(engine)
    assert await claim(keys) is ClaimState.STARTED
    assert await claim(keys, fingerprint="other") is ClaimState.MISMATCH
    await keys.complete("token:1", "k", ANSWER, expires_at=NOW + KEEP)
    assert await claim(keys, fingerprint="other") is ClaimState.MISMATCH


async def test_keys_belong_to_their_owner(engine: AsyncEngine) -> None:
    keys = store(engine)
    assert await claim(keys, owner="token:1") is ClaimState.STARTED
    assert await claim(keys, owner="token:2") is ClaimState.STARTED


async def test_an_expired_lease_or_answer_frees_the_key(engine: AsyncEngine) -> None:
    keys = store(engine)
    assert await claim(keys) is ClaimState.STARTED
    assert await claim(keys, at=NOW + LEASE / 2) is ClaimState.IN_FLIGHT
    assert await claim(keys, at=NOW + LEASE) is ClaimState.STARTED  # the first one died
    later = NOW + LEASE
    await keys.complete("token:1", "k", ANSWER, expires_at=later + KEEP)
    assert await claim(keys, at=later + KEEP / 2) is ClaimState.REPLAY
    assert await claim(keys, fingerprint="new", at=later + KEEP) is ClaimState.STARTED


async def test_a_released_claim_runs_again(engine: AsyncEngine) -> None:
    keys = store(engine)
    assert await claim(keys) is ClaimState.STARTED
    await keys.release("token:1", "k")
    assert await claim(keys) is ClaimState.STARTED


async def test_of_concurrent_claims_exactly_one_starts(engine: AsyncEngine) -> None:
    keys = store(engine)
    states = await asyncio.gather(*(claim(keys) for _ in range(5)))
    assert sorted(states) == sorted([ClaimState.STARTED] + [ClaimState.IN_FLIGHT] * 4)


async def test_an_unreachable_store_is_unavailable() -> None:
    down = create_engine(unreachable_database_url())
    try:
        with pytest.raises(ServiceUnavailableError):
            await claim(store(down))
    finally:
        await down.dispose()
