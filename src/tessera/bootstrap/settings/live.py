"""Live pages (``TESSERA_LIVE_*``): the feed's follower and the presence board."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings

from tessera.bootstrap.settings.base import settings_config


class LiveSettings(BaseSettings):
    """Live pages (``TESSERA_LIVE_*``): one feed follower per process, presence with a TTL."""

    model_config = settings_config("TESSERA_LIVE_")

    # The longest a new event goes unseen by a process no wake-up reached (PostgreSQL's
    # LISTEN connection down, or SQLite written by another process).
    feed_poll_seconds: float = Field(default=1.5, gt=0, le=60)
    # Entries kept for a stream that reads slower than the feed grows; past it the stream
    # reads the log itself until it has caught up.
    feed_queue_size: int = Field(default=1000, ge=1, le=100_000)
    # A page renews its presence more often than this, or it lapses.
    presence_ttl_seconds: float = Field(default=30.0, ge=1, le=3600)
