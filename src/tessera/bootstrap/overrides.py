"""What a test may put in place of any port the container would otherwise build."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol

from redis.asyncio import Redis

from tessera.application.ports.clock import Clock
from tessera.application.ports.dead_letters import DeadLetterStore
from tessera.application.ports.events import BackgroundTask, EventLog, EventPublisher
from tessera.application.ports.idempotency import IdempotencyStore
from tessera.application.ports.rate_limit import RateLimiter
from tessera.application.ports.storage import BlobStorage
from tessera.application.ports.tickets import TicketReader
from tessera.application.ports.unit_of_work import UnitOfWorkFactory
from tessera.application.ports.webhooks import WebhookStore
from tessera.infrastructure.cache.connection import connection_class
from tessera.infrastructure.cache.redis_cache import RedisTicketCache

# Called once on shutdown for each client the container opened.
Closer = Callable[[], Awaitable[None]]


class RedisOpener(Protocol):
    """Opens one Redis client; the container closes every client it opened."""

    def __call__(
        self, url: str, *, socket_timeout: float, socket_connect_timeout: float
    ) -> Redis: ...


def open_redis(url: str, *, socket_timeout: float, socket_connect_timeout: float) -> Redis:
    options: dict[str, Any] = {}
    if (timed := connection_class(url)) is not None:
        options["connection_class"] = timed
    return Redis.from_url(
        url, socket_timeout=socket_timeout, socket_connect_timeout=socket_connect_timeout, **options
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class Overrides:
    """Replacements for tests; each one left ``None`` is built from the settings.

    ``uow`` replaces the unit of work of every write (its repositories with it); an
    overridden ``publisher`` is treated as a broker (``worker_tasks`` then runs the relay).
    ``open_redis`` opens every Redis client: cache, invalidation listener, rate limiter and
    the Redis Streams broker.
    """

    clock: Clock | None = None
    uow: UnitOfWorkFactory | None = None
    ticket_reader: TicketReader | None = None
    event_log: EventLog | None = None
    webhooks: WebhookStore | None = None
    storage: BlobStorage | None = None
    dead_letters: DeadLetterStore | None = None
    idempotency: IdempotencyStore | None = None
    rate_limiter: RateLimiter | None = None
    shared_cache: RedisTicketCache | None = None
    publisher: EventPublisher | None = None
    webhook_sender: BackgroundTask | None = None
    mail_sender: BackgroundTask | None = None
    open_redis: RedisOpener = open_redis
