"""Live pages: the feed follower of this process and the presence board.

One follower per process reads the event log for every open stream; PostgreSQL wakes it by
LISTEN/NOTIFY, the relay in this process by a call, and a slow poll covers the rest.
Presence lives in Redis when ``TESSERA_REDIS_URL`` is set (every replica sees the same
board), in process otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.engine import make_url

from tessera.application.ports.clock import Clock
from tessera.application.ports.events import EventLog
from tessera.application.ports.live import PresenceBoard
from tessera.bootstrap.overrides import Closer, Overrides
from tessera.bootstrap.settings import LiveSettings
from tessera.infrastructure.live.feed import FeedFollower, WakeSource
from tessera.infrastructure.live.notify import PostgresFeedListener, asyncpg_dsn, feed_channel
from tessera.infrastructure.live.presence import InProcessPresenceBoard


@dataclass(frozen=True, slots=True, kw_only=True)
class Live:
    feed: FeedFollower
    presence: PresenceBoard
    # The NOTIFY channel the relay announces new feed positions on (PostgreSQL only).
    channel: str | None
    closers: tuple[Closer, ...]


def build_live(
    live: LiveSettings,
    *,
    database_url: str,
    event_log: EventLog,
    namespace: str,
    clock: Clock,
    overrides: Overrides,
) -> Live:
    channel: str | None = None
    wake_sources: list[WakeSource] = []
    if make_url(database_url).get_backend_name() == "postgresql":
        channel = feed_channel(namespace)
        wake_sources.append(PostgresFeedListener(asyncpg_dsn(database_url), channel, clock=clock))
    feed = FeedFollower(
        event_log,
        clock=clock,
        poll_seconds=live.feed_poll_seconds,
        queue_size=live.feed_queue_size,
        wake_sources=wake_sources,
    )
    presence = InProcessPresenceBoard(clock=clock, ttl_seconds=live.presence_ttl_seconds)
    return Live(feed=feed, presence=presence, channel=channel, closers=(feed.close,))
