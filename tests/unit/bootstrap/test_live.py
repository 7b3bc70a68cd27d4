"""The live pages' adapters chosen from the settings, as the cache's are."""

from __future__ import annotations

from tessera.bootstrap.live import build_live
from tessera.bootstrap.overrides import Overrides
from tessera.bootstrap.settings import LiveSettings
from tessera.infrastructure.live.presence import InProcessPresenceBoard, RedisPresenceBoard
from tessera.infrastructure.memory.event_log import InMemoryEventLog
from tessera.infrastructure.memory.store import MemoryStore
from tests.support import FrozenClock


async def test_presence_is_in_redis_when_configured_and_in_process_otherwise() -> None:
    shared = build_live(
        LiveSettings(),
        database_url="postgresql+asyncpg://postgres@127.0.0.1:5432/test",
        redis_url="redis://127.0.0.1:6379/0",
        event_log=InMemoryEventLog(MemoryStore()),
        namespace="acme",
        clock=FrozenClock(),
        overrides=Overrides(),
    )
    assert isinstance(shared.presence, RedisPresenceBoard)
    assert shared.channel == "acme_feed"  # PostgreSQL: the relay NOTIFYs, the follower LISTENs
    assert len(shared.closers) == 2  # the follower and the Redis client
    for close in shared.closers:
        await close()

    embedded = build_live(
        LiveSettings(),
        database_url="sqlite+aiosqlite:///tessera.db",
        redis_url=None,
        event_log=InMemoryEventLog(MemoryStore()),
        namespace="acme",
        clock=FrozenClock(),
        overrides=Overrides(),
    )
    assert isinstance(embedded.presence, InProcessPresenceBoard)
    assert embedded.channel is None
