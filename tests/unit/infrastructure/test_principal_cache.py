"""The principal cache in front of authentication: the requests that miss it together wait
for one lookup; a request that goes away leaves it to the others; a refused token is
refused to every one of them and looked up again afterwards."""

from __future__ import annotations

import asyncio

import pytest

from tessera.application.errors import UnauthenticatedError
from tessera.application.tokens.authenticate import AuthenticateHandler
from tessera.domain.access.principal import Principal, Role
from tessera.infrastructure.cache.local import LocalCache
from tessera.infrastructure.cache.stats import CacheStats
from tessera.infrastructure.cache.tokens import CachingAuthenticateHandler

ADMIN = Principal(token_id=7, user_id=3, name="Ada", role=Role.ADMIN)


class SlowLookup(AuthenticateHandler):
    """Answers when ``answer`` is set: ADMIN, or UnauthenticatedError for ``refuse``."""

    def __init__(self, *, refuse: bool = False) -> None:
        self.calls = 0
        self.answer = asyncio.Event()
        self.refuse = refuse

    async def __call__(self, secret: str | None) -> Principal:
        self.calls += 1
        await self.answer.wait()
        if self.refuse:
            raise UnauthenticatedError("The bearer token is unknown or revoked")
        return ADMIN


def caching(inner: SlowLookup) -> CachingAuthenticateHandler:
    return CachingAuthenticateHandler(
        inner, cache=LocalCache(maxsize=10, ttl=60), stats=CacheStats()
    )


async def test_requests_that_miss_together_share_one_lookup() -> None:
    inner = SlowLookup()
    authenticate = caching(inner)
    waiting = [asyncio.create_task(authenticate("tsr_secret")) for _ in range(32)]
    await asyncio.sleep(0.01)
    inner.answer.set()
    assert await asyncio.gather(*waiting) == [ADMIN] * 32
    assert inner.calls == 1
    assert await authenticate("tsr_secret") == ADMIN  # and then from the cache
    assert inner.calls == 1


async def test_other_tokens_are_looked_up_on_their_own() -> None:
    inner = SlowLookup()
    authenticate = caching(inner)
    inner.answer.set()
    await asyncio.gather(authenticate("tsr_one"), authenticate("tsr_two"))
    assert inner.calls == 2


async def test_a_request_that_goes_away_leaves_the_lookup_to_the_others() -> None:
    inner = SlowLookup()
    authenticate = caching(inner)
    gone = asyncio.create_task(authenticate("tsr_secret"))
    staying = asyncio.create_task(authenticate("tsr_secret"))
    await asyncio.sleep(0.01)
    gone.cancel()
    await asyncio.sleep(0.01)
    inner.answer.set()
    assert await staying == ADMIN
    assert gone.cancelled()
    assert inner.calls == 1


async def test_a_refused_token_is_refused_to_all_and_asked_again_later() -> None:
    inner = SlowLookup(refuse=True)
    authenticate = caching(inner)
    waiting = [asyncio.create_task(authenticate("tsr_revoked")) for _ in range(3)]
    await asyncio.sleep(0.01)
    inner.answer.set()
    outcomes = await asyncio.gather(*waiting, return_exceptions=True)
    assert all(isinstance(outcome, UnauthenticatedError) for outcome in outcomes)
    assert inner.calls == 1
    with pytest.raises(UnauthenticatedError):
        await authenticate("tsr_revoked")  # nothing cached, nothing left pending
    assert inner.calls == 2
