"""The composition root: picks the adapters for the configured shape and wires the use cases."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import os
import socket
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta

from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from tessera.application.comments.add_comment import AddCommentHandler
from tessera.application.comments.get_comment import GetCommentHandler
from tessera.application.comments.list_comments import ListCommentsHandler
from tessera.application.consumers.dead_letters import (
    ListDeadLettersHandler,
    ReplayDeadLetterHandler,
)
from tessera.application.feed.read_events import GetHistoryHandler, ReadFeedHandler
from tessera.application.ports.clock import Clock
from tessera.application.ports.dead_letters import DeadLetterStore
from tessera.application.ports.events import BackgroundTask, EventConsumer, EventLog
from tessera.application.ports.health import HealthCheck
from tessera.application.ports.idempotency import IdempotencyStore
from tessera.application.ports.rate_limit import RateLimiter
from tessera.application.ports.tickets import TicketReader
from tessera.application.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from tessera.application.ports.webhooks import WebhookStore
from tessera.application.services import Services
from tessera.application.tickets.bulk_update import BulkUpdateHandler
from tessera.application.tickets.create_ticket import CreateTicketHandler
from tessera.application.tickets.delete_ticket import DeleteTicketHandler
from tessera.application.tickets.detect_breaches import DetectBreachesHandler
from tessera.application.tickets.get_ticket import GetTicketHandler
from tessera.application.tickets.list_tickets import ListTicketsHandler
from tessera.application.tickets.merge_tickets import MergeTicketsHandler
from tessera.application.tickets.update_ticket import UpdateTicketHandler
from tessera.application.tokens.authenticate import AuthenticateHandler, BootstrapAdminHandler
from tessera.application.tokens.manage_tokens import (
    IssueTokenHandler,
    ListTokensHandler,
    RevokeTokenHandler,
)
from tessera.application.tokens.views import IssuedToken
from tessera.application.views import TicketView
from tessera.application.webhooks.manage_webhooks import (
    CreateWebhookHandler,
    DeleteWebhookHandler,
    ListDeliveriesHandler,
    ListWebhooksHandler,
    RedeliverHandler,
)
from tessera.bootstrap.events import EventTransport, event_transport
from tessera.bootstrap.schema_gate import SchemaGate
from tessera.bootstrap.settings import Settings
from tessera.domain.access.principal import Principal
from tessera.domain.events import DomainEvent
from tessera.domain.tickets.calendar import AlwaysOpen, BusinessHours, Calendar
from tessera.domain.tickets.sla import SlaPolicy, SlaTarget
from tessera.infrastructure.cache.health import RedisHealthCheck
from tessera.infrastructure.cache.keys import CacheKeys
from tessera.infrastructure.cache.local import LocalCache
from tessera.infrastructure.cache.redis_cache import (
    InvalidationReplay,
    InvalidationSubscriber,
    RedisTicketCache,
)
from tessera.infrastructure.cache.stats import CacheStats
from tessera.infrastructure.cache.tickets import CachedTicketReader, CacheInvalidator
from tessera.infrastructure.cache.tokens import (
    CachingAuthenticateHandler,
    InvalidatingRevokeTokenHandler,
)
from tessera.infrastructure.clock import SystemClock
from tessera.infrastructure.email.consumer import MailConsumer
from tessera.infrastructure.email.sender import MailSender, SmtpConfig, SmtpTls
from tessera.infrastructure.memory.dead_letters import InMemoryDeadLetterStore
from tessera.infrastructure.memory.event_log import InMemoryEventLog
from tessera.infrastructure.memory.readers import InMemoryTicketReader
from tessera.infrastructure.memory.store import MemoryStore
from tessera.infrastructure.memory.unit_of_work import InMemoryUnitOfWork
from tessera.infrastructure.memory.webhooks import InMemoryWebhookStore
from tessera.infrastructure.messaging.dead_letters import FailureLog
from tessera.infrastructure.messaging.dispatcher import ConsumerDispatcher
from tessera.infrastructure.messaging.periodic import JobLease, PeriodicJob
from tessera.infrastructure.messaging.relay import OutboxRelay
from tessera.infrastructure.persistence.engine import create_engine
from tessera.infrastructure.persistence.event_log import SqlAlchemyEventLog
from tessera.infrastructure.persistence.health import DatabaseHealthCheck
from tessera.infrastructure.persistence.idempotency import SqlAlchemyIdempotencyStore
from tessera.infrastructure.persistence.leases import SqlAlchemyLeaseStore
from tessera.infrastructure.persistence.migrator import Migrator
from tessera.infrastructure.persistence.readers import SqlAlchemyTicketReader
from tessera.infrastructure.persistence.retention import RetentionSweep
from tessera.infrastructure.persistence.unit_of_work import SqlAlchemyUnitOfWork
from tessera.infrastructure.ratelimit.buckets import LocalBuckets, RedisBuckets
from tessera.infrastructure.telemetry.metrics import (
    OutboxGauges,
    record_cache,
    record_webhook,
    watch_pool,
)
from tessera.infrastructure.telemetry.tracing import (
    Exporter,
    configure_tracing,
    current_traceparent,
    instrument_engine,
    traced_services,
)
from tessera.infrastructure.waiting import sleep_unless
from tessera.infrastructure.webhooks.consumer import WebhookConsumer
from tessera.infrastructure.webhooks.sender import WebhookPolicy, WebhookSender
from tessera.infrastructure.webhooks.store import SqlAlchemyWebhookStore

logger = logging.getLogger("tessera")


@dataclass(frozen=True, slots=True, kw_only=True)
class Overrides:
    """Replacements for tests: a controllable clock, for one."""

    clock: Clock | None = None


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
    # What reacts to published events, and the loops that run beside the HTTP server (in
    # `tessera worker`, or in-process in the embedded shape): filled by build_container.
    consumers: list[EventConsumer] = field(default_factory=list)
    background_tasks: list[BackgroundTask] = field(default_factory=list)
    # Set after each commit that wrote events: the relay then looks at once, not at its
    # next poll.
    relay_wake: asyncio.Event = field(default_factory=asyncio.Event)
    # Loops every `serve` replica runs whatever the shape (the cache invalidation channel).
    replica_tasks: list[BackgroundTask] = field(default_factory=list)
    cache_stats: CacheStats = field(default_factory=CacheStats)
    cache_invalidator: CacheInvalidator | None = None
    rate_limiter: RateLimiter | None = None
    idempotency: IdempotencyStore | None = None
    closers: list[Callable[[], Awaitable[None]]] = field(default_factory=list)
    started: bool = field(default=False)
    # Hands events to ``consumers`` (kept by reference) and keeps their dead letters.
    dispatcher: ConsumerDispatcher | None = None
    _transport: EventTransport | None = field(default=None, repr=False)

    @property
    def transport(self) -> EventTransport:
        """The broker (or in-process bus) chosen by ``TESSERA_BROKER_URL``, built once."""
        if self._transport is None:
            dispatcher = self.dispatcher or ConsumerDispatcher(self.engine, self.consumers)
            self._transport = event_transport(
                self.settings.broker_url, dispatcher, namespace=self.settings.namespace
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
                await sleep_unless(stop, self.schema_gate.interval)
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
        if self._transport is not None:
            await self._transport.close()
        for close in self.closers:
            await close()
        await self.engine.dispose()


def build_container(settings: Settings, *, overrides: Overrides | None = None) -> Container:
    overrides = overrides or Overrides()
    engine = create_engine(
        settings.database.url,
        pool_size=settings.database.pool_size,
        echo=settings.database.echo,
    )
    clock = overrides.clock or SystemClock()
    sla = sla_policy(settings)
    configure_tracing(
        exporter=Exporter(settings.telemetry.exporter.value),
        service_name=settings.telemetry.service_name,
        endpoint=settings.telemetry.otlp_endpoint,
    )
    instrument_engine(engine)
    watch_pool(engine)

    relay_wake = asyncio.Event()
    caches = build_caches(settings)
    schema_gate = SchemaGate(engine, interval=settings.database.schema_poll_seconds)

    async def after_commit(events: list[DomainEvent]) -> None:
        if events:
            relay_wake.set()
            await caches.invalidator.tickets_changed({e.ticket_id for e in events})

    def uow() -> UnitOfWork:
        return SqlAlchemyUnitOfWork(
            engine, traceparent=current_traceparent, on_commit=(after_commit,)
        )

    consumers: list[EventConsumer] = []  # filled below; the dispatcher keeps the reference
    dispatcher = ConsumerDispatcher(
        engine,
        consumers,
        failures=FailureLog(engine, max_deliveries=settings.events.max_deliveries),
    )

    services = wire_services(
        uow=uow,
        reader=CachedTicketReader(
            SqlAlchemyTicketReader(engine), l1=caches.tickets, l2=caches.shared, stats=caches.stats
        ),
        event_log=SqlAlchemyEventLog(engine),
        webhooks=SqlAlchemyWebhookStore(engine),
        clock=clock,
        sla=sla,
        allow_private_webhooks=settings.webhooks.allow_private_targets,
        health_checks=(DatabaseHealthCheck(engine), schema_gate, *caches.health_checks),
        dead_letters=dispatcher,
    )
    services = dataclasses.replace(
        services,
        authenticate=CachingAuthenticateHandler(
            services.authenticate, cache=caches.principals, stats=caches.stats
        ),
        revoke_token=InvalidatingRevokeTokenHandler(
            services.revoke_token, invalidator=caches.invalidator
        ),
    )
    services = traced_services(services)
    caches.stats.listen(record_cache)
    found, tasks = integrations(settings, engine, services)
    consumers.extend(found)
    tasks.extend(leased_jobs(settings, engine, services, clock))
    return Container(
        settings=settings,
        engine=engine,
        clock=clock,
        sla=sla,
        uow=uow,
        services=services,
        bootstrap_admin=BootstrapAdminHandler(uow=uow, issue=services.issue_token),
        schema_gate=schema_gate,
        consumers=consumers,
        background_tasks=tasks,
        replica_tasks=[*caches.tasks, OutboxGauges(engine)],
        cache_stats=caches.stats,
        cache_invalidator=caches.invalidator,
        rate_limiter=rate_limiter(settings),
        idempotency=SqlAlchemyIdempotencyStore(engine),
        relay_wake=relay_wake,
        closers=caches.closers,
        dispatcher=dispatcher,
    )


@dataclass(kw_only=True)
class Caches:
    tickets: LocalCache[int, TicketView]
    principals: LocalCache[str, Principal]
    shared: RedisTicketCache | None
    invalidator: CacheInvalidator
    stats: CacheStats
    tasks: list[BackgroundTask]
    closers: list[Callable[[], Awaitable[None]]]
    health_checks: tuple[HealthCheck, ...] = ()


def rate_limiter(settings: Settings) -> RateLimiter | None:
    if not settings.rate_limit.enabled:
        return None
    if settings.redis_url:
        return RedisBuckets(
            Redis.from_url(settings.redis_url, socket_timeout=0.5),
            keys=CacheKeys(settings.namespace),
        )
    return LocalBuckets()


def build_caches(settings: Settings) -> Caches:
    """L1 always; L2 and the invalidation channel when TESSERA_REDIS_URL is set."""
    config = settings.cache
    tickets: LocalCache[int, TicketView] = LocalCache(
        maxsize=config.l1_size, ttl=config.l1_ttl_seconds
    )
    principals: LocalCache[str, Principal] = LocalCache(
        maxsize=config.l1_size, ttl=config.token_ttl_seconds
    )
    shared = None
    tasks: list[BackgroundTask] = []
    closers: list[Callable[[], Awaitable[None]]] = []
    keys = CacheKeys(settings.namespace)
    if settings.redis_url:
        client = Redis.from_url(settings.redis_url, socket_timeout=0.5, socket_connect_timeout=0.5)
        shared = RedisTicketCache(client, ttl=config.l2_ttl_seconds, keys=keys)
        tasks.append(InvalidationReplay(shared))
        closers.append(client.aclose)
        checks: tuple[HealthCheck, ...] = (RedisHealthCheck(client),)
    else:
        checks = ()
        logger.info("no TESSERA_REDIS_URL: caching in process only")
    invalidator = CacheInvalidator(l1=tickets, l2=shared)
    invalidator.token_caches.append(principals)
    if settings.redis_url:
        # A paused Redis accepts connections but never answers: every wait is bounded.
        listener = Redis.from_url(
            settings.redis_url, socket_timeout=1.0, socket_connect_timeout=0.5
        )
        tasks.append(
            InvalidationSubscriber(
                listener,
                on_ticket=invalidator.drop_ticket,
                on_tokens=invalidator.drop_tokens,
                on_gap=invalidator.drop_everything,
                keys=keys,
            )
        )
        closers.append(listener.aclose)
    return Caches(
        tickets=tickets,
        principals=principals,
        shared=shared,
        invalidator=invalidator,
        stats=CacheStats(),
        tasks=tasks,
        closers=closers,
        health_checks=checks,
    )


def integrations(
    settings: Settings, engine: AsyncEngine, services: Services
) -> tuple[list[EventConsumer], list[BackgroundTask]]:
    """The consumers of events and the loops that serve them: webhooks and mail (when an SMTP
    server is configured)."""
    hooks = settings.webhooks
    webhook_wake = asyncio.Event()
    consumers: list[EventConsumer] = [WebhookConsumer(engine, wake=webhook_wake)]
    tasks: list[BackgroundTask] = [
        WebhookSender(
            engine,
            policy=WebhookPolicy(
                timeout=hooks.timeout_seconds,
                max_attempts=hooks.max_attempts,
                retry_base=timedelta(seconds=hooks.retry_seconds),
                concurrency=hooks.concurrency,
                per_target=hooks.per_target,
                allow_private=hooks.allow_private_targets,
            ),
            wake=webhook_wake,
            on_outcome=record_webhook,
        ),
    ]
    mail = settings.mail
    if mail.smtp_url:
        mail_wake = asyncio.Event()
        consumers.append(MailConsumer(engine, team=mail.team, wake=mail_wake))
        config = SmtpConfig(
            url=mail.smtp_url,
            tls=SmtpTls(mail.tls.value),
            sender=mail.sender,
            timeout=mail.timeout_seconds,
            max_attempts=mail.max_attempts,
            retry_base=timedelta(seconds=mail.retry_seconds),
        )
        tasks.append(MailSender(engine, config, wake=mail_wake))
    else:
        logger.info("e-mail notifications are off (TESSERA_MAIL_SMTP_URL is not set)")
    return consumers, tasks


def leased_jobs(
    settings: Settings, engine: AsyncEngine, services: Services, clock: Clock
) -> list[BackgroundTask]:
    """The periodic jobs, each on one worker at a time: the SLA job and the retention sweep."""
    lease = JobLease(
        store=SqlAlchemyLeaseStore(engine),
        holder=f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}",
        clock=clock,
    )
    sweep = RetentionSweep(
        engine,
        clock=clock,
        processed_retention=timedelta(hours=settings.events.processed_retention_hours),
    )
    return [
        PeriodicJob(
            "sla-monitor", services.detect_breaches, every=settings.sla.check_seconds, lease=lease
        ),
        PeriodicJob("retention-sweep", sweep, every=settings.events.sweep_seconds, lease=lease),
    ]


def wire_services(
    *,
    uow: UnitOfWorkFactory,
    reader: TicketReader,
    event_log: EventLog,
    webhooks: WebhookStore,
    clock: Clock,
    sla: SlaPolicy,
    allow_private_webhooks: bool = False,
    health_checks: tuple[HealthCheck, ...] = (),
    dead_letters: DeadLetterStore | None = None,
) -> Services:
    """The use cases over whichever adapters the shape chose."""
    return Services(
        authenticate=AuthenticateHandler(uow=uow),
        create_ticket=CreateTicketHandler(uow=uow, clock=clock, sla=sla),
        get_ticket=GetTicketHandler(reader=reader),
        list_tickets=ListTicketsHandler(reader=reader, clock=clock, sla=sla),
        update_ticket=UpdateTicketHandler(uow=uow, clock=clock, sla=sla),
        delete_ticket=DeleteTicketHandler(uow=uow, clock=clock),
        issue_token=IssueTokenHandler(uow=uow, clock=clock),
        list_tokens=ListTokensHandler(uow=uow),
        revoke_token=RevokeTokenHandler(uow=uow, clock=clock),
        add_comment=AddCommentHandler(uow=uow, clock=clock, sla=sla),
        list_comments=ListCommentsHandler(uow=uow),
        get_comment=GetCommentHandler(thread=ListCommentsHandler(uow=uow)),
        merge_tickets=MergeTicketsHandler(uow=uow, clock=clock, sla=sla),
        bulk_update=BulkUpdateHandler(uow=uow, clock=clock, sla=sla),
        detect_breaches=DetectBreachesHandler(uow=uow, reader=reader, clock=clock),
        create_webhook=CreateWebhookHandler(
            store=webhooks, clock=clock, allow_private=allow_private_webhooks
        ),
        list_webhooks=ListWebhooksHandler(store=webhooks),
        delete_webhook=DeleteWebhookHandler(store=webhooks),
        list_deliveries=ListDeliveriesHandler(store=webhooks),
        redeliver=RedeliverHandler(store=webhooks, clock=clock),
        ticket_history=GetHistoryHandler(log=event_log),
        event_feed=ReadFeedHandler(log=event_log),
        list_dead_letters=ListDeadLettersHandler(store=dead_letters or InMemoryDeadLetterStore()),
        replay_dead_letter=ReplayDeadLetterHandler(store=dead_letters or InMemoryDeadLetterStore()),
        health_checks=health_checks,
    )


def build_memory_services(
    *, clock: Clock, sla: SlaPolicy | None = None
) -> tuple[Services, MemoryStore]:
    """The same use cases over the in-memory adapters (unit tests of the application)."""
    store = MemoryStore()

    def uow() -> UnitOfWork:
        return InMemoryUnitOfWork(store)

    services = wire_services(
        uow=uow,
        reader=InMemoryTicketReader(store),
        event_log=InMemoryEventLog(store),
        webhooks=InMemoryWebhookStore(),
        clock=clock,
        sla=sla or SlaPolicy(),
    )
    return services, store


def sla_policy(settings: Settings) -> SlaPolicy:
    default = SlaPolicy()
    targets = dict(default.targets)
    for priority, (first_response, resolution) in settings.sla.targets.items():
        targets[priority] = SlaTarget(
            first_response=timedelta(minutes=first_response),
            resolution=timedelta(minutes=resolution),
        )
    hours = settings.sla.business_hours
    calendar: Calendar = AlwaysOpen()
    if hours is not None:
        calendar = BusinessHours(
            timezone=hours.timezone,
            workdays=frozenset(hours.workdays),
            opens=hours.opens,
            closes=hours.closes,
            holidays=frozenset(hours.holidays),
        )
    return SlaPolicy(
        targets=targets,
        calendar=calendar,
        at_risk=timedelta(minutes=settings.sla.at_risk_minutes),
    )
