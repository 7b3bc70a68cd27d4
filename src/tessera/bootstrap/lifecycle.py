"""The built container: the loops each process runs, the schema gate's opening, shutdown."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncEngine

from tessera.application.ports.clock import Clock
from tessera.application.ports.events import BackgroundTask, EventConsumer
from tessera.application.ports.idempotency import IdempotencyStore
from tessera.application.ports.rate_limit import RateLimiter
from tessera.application.ports.unit_of_work import UnitOfWorkFactory
from tessera.application.services import Services
from tessera.application.tokens.authenticate import BootstrapAdminHandler
from tessera.application.tokens.views import IssuedToken
from tessera.bootstrap.events import EventTransport
from tessera.bootstrap.mail_intake import MailIntake
from tessera.bootstrap.messaging import build_transport
from tessera.bootstrap.overrides import Closer, Overrides
from tessera.bootstrap.schema_gate import SchemaGate
from tessera.bootstrap.settings import Settings
from tessera.domain.tickets.sla import SlaPolicy
from tessera.infrastructure.cache.stats import CacheStats
from tessera.infrastructure.cache.tickets import CacheInvalidator
from tessera.infrastructure.live.feed import FeedFollower
from tessera.infrastructure.messaging.dispatcher import ConsumerDispatcher
from tessera.infrastructure.messaging.relay import OutboxRelay
from tessera.infrastructure.waiting import sleep_unless

logger = logging.getLogger("tessera")


@dataclass(kw_only=True)
class Container:
    settings: Settings
    engine: AsyncEngine
    clock: Clock
    sla: SlaPolicy
    uow: UnitOfWorkFactory
    services: Services
    bootstrap_admin: BootstrapAdminHandler
    # Closed until the schema is at head: the API answers 503 and serve_tasks wait (SPEC §11).
    schema_gate: SchemaGate
    # Hands events to ``consumers`` (kept by reference) and keeps their dead letters.
    dispatcher: ConsumerDispatcher
    # What reacts to published events, and the loops that run beside the HTTP server (in
    # `tessera worker`, or in-process in the embedded shape).
    consumers: list[EventConsumer]
    background_tasks: list[BackgroundTask]
    # Set after each commit that wrote events: the relay then looks at once.
    relay_wake: asyncio.Event
    # This process's one reader of the feed for every live stream (``services.live_feed``):
    # the relay wakes it after sequencing, and NOTIFYs ``feed_channel`` for other processes.
    live_feed: FeedFollower
    feed_channel: str | None
    # Loops every `serve` replica runs whatever the shape (the cache invalidation channel).
    replica_tasks: list[BackgroundTask]
    cache_stats: CacheStats
    cache_invalidator: CacheInvalidator
    rate_limiter: RateLimiter | None
    idempotency: IdempotencyStore
    # One per client opened (Redis, the engine last); the broker's is the transport's.
    closers: list[Closer]
    overrides: Overrides = field(default_factory=Overrides)
    # The inbound e-mail channel: its use cases (the API's /v1/mailboxes) and its loops
    # (already among ``background_tasks``).
    mail: MailIntake | None = None
    started: bool = False
    _transport: EventTransport | None = field(default=None, repr=False)

    @property
    def transport(self) -> EventTransport:
        """The broker (or in-process bus) chosen by ``TESSERA_BROKER_URL``, built once."""
        if self._transport is None:
            self._transport = build_transport(
                self.settings.broker_url,
                self.dispatcher,
                namespace=self.settings.namespace,
                clock=self.clock,
                overrides=self.overrides,
            )
        return self._transport

    def relay(self) -> OutboxRelay:
        return OutboxRelay(
            self.engine,
            self.transport.publisher,
            batch_size=self.settings.events.relay_batch,
            poll_interval=self.settings.events.relay_poll_seconds,
            retry_base=timedelta(seconds=self.settings.events.relay_retry_seconds),
            wake=self.relay_wake,
            source=self.settings.cloud_event_source,
            clock=self.clock,
            feed_channel=self.feed_channel,
            on_sequenced=self.live_feed.wake,
        )

    def worker_tasks(self) -> list[BackgroundTask]:
        """What ``tessera worker`` runs: the relay, one subscription per consumer group, and
        the periodic jobs."""
        return [self.relay(), *self.transport.subscriptions, *self.background_tasks]

    def serve_tasks(self) -> list[BackgroundTask]:
        """What ``tessera serve`` runs beside the API: everything in the embedded shape,
        nothing when a broker is configured (workers do it then)."""
        embedded = [self.relay(), *self.background_tasks] if self.transport.embedded else []
        return [*self.replica_tasks, *embedded]

    async def start(self) -> IssuedToken | None:
        """Migrate (development only); with the schema at head, open the schema gate.

        Returns the bootstrap token when one was created, so the caller can show it once. A
        staging or production database behind the code is left alone: the server starts
        with the gate closed (503 schema_out_of_date), and ``open_when_ready`` opens it once
        `tessera db upgrade` has run.
        """
        if self.settings.migrates_on_start:
            # Imported here: the runner brings Alembic, which only development starts need.
            from tessera.infrastructure.persistence.migrator import Migrator  # noqa: PLC0415

            await Migrator(self.engine, environment=self.settings.env.value).upgrade()
        if not await self.schema_gate.at_head():
            logger.warning(
                "the database schema is not at this code's head; "
                "run `tessera db upgrade` (serving 503 schema_out_of_date until then)"
            )
            return None
        return await self._open_gate()

    async def open_when_ready(self, stop: asyncio.Event) -> IssuedToken | None:
        """Wait (until ``stop``) for the schema to reach head, then open the gate, once.

        Returns the bootstrap token when one was created. A failure to open (the database
        gone for a moment) is logged and tried again.
        """
        while await self.schema_gate.wait_for_head(stop):
            try:
                issued = await self._open_gate()
            except Exception:
                logger.exception("opening the schema gate failed; trying again")
                await sleep_unless(stop, self.schema_gate.interval, clock=self.clock)
            else:
                logger.info("the database schema is at head: serving")
                return issued
        return None

    async def _open_gate(self) -> IssuedToken | None:
        """What must happen once the tables exist, before anything is served."""
        secret = self.settings.bootstrap_admin_token
        issued = await self.bootstrap_admin(secret=secret.get_secret_value() if secret else None)
        self.started = True
        self.schema_gate.open()
        return issued

    async def close(self) -> None:
        """Close every client opened: the broker's first, the engine's last."""
        if self._transport is not None:
            await self._transport.close()
        for close in self.closers:
            await close()
