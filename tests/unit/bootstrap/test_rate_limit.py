"""The rate limiter builder: off, per process, or shared in Redis with its client closed."""

from __future__ import annotations

from tessera.bootstrap.overrides import Overrides
from tessera.bootstrap.rate_limit import build_rate_limiter
from tessera.bootstrap.settings import RateLimitSettings
from tessera.infrastructure.ratelimit.buckets import LocalBuckets, RedisBuckets
from tests.unit.bootstrap.conftest import RecordingOpener


def test_disabled_rate_limiting_builds_nothing() -> None:
    built = build_rate_limiter(
        RateLimitSettings(enabled=False),
        redis_url="redis://x",
        namespace="t",
        overrides=Overrides(),
    )
    assert (built.limiter, built.closers) == (None, ())


def test_without_redis_the_buckets_live_in_this_process() -> None:
    built = build_rate_limiter(
        RateLimitSettings(), redis_url=None, namespace="t", overrides=Overrides()
    )
    assert isinstance(built.limiter, LocalBuckets)
    assert built.closers == ()


async def test_the_redis_client_of_shared_buckets_is_handed_back_to_be_closed() -> None:
    opener = RecordingOpener()
    built = build_rate_limiter(
        RateLimitSettings(),
        redis_url="redis://127.0.0.1:1/0",
        namespace="t",
        overrides=Overrides(open_redis=opener),
    )
    assert isinstance(built.limiter, RedisBuckets)
    assert len(opener.clients) == len(built.closers) == 1
    await built.closers[0]()


def test_an_overridden_limiter_wins() -> None:
    limiter = LocalBuckets()
    built = build_rate_limiter(
        RateLimitSettings(enabled=False),
        redis_url=None,
        namespace="t",
        overrides=Overrides(rate_limiter=limiter),
    )
    assert built.limiter is limiter
