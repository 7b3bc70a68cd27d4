"""The composition root: builds each capability for the configured shape and wires them.

Each builder lives in its own module (persistence, caching, messaging, use_cases,
integrations, jobs, rate_limit, telemetry); this function reads top to bottom.
"""

from __future__ import annotations

import asyncio

from tessera.bootstrap.caching import build_caches
from tessera.bootstrap.integrations import build_integrations
from tessera.bootstrap.jobs import build_jobs
from tessera.bootstrap.lifecycle import Container
from tessera.bootstrap.live import build_live
from tessera.bootstrap.mail_intake import build_mail_intake, intake_state
from tessera.bootstrap.messaging import build_messaging
from tessera.bootstrap.overrides import Overrides
from tessera.bootstrap.persistence import build_persistence
from tessera.bootstrap.rate_limit import build_rate_limiter
from tessera.bootstrap.settings import Settings
from tessera.bootstrap.storage import build_storage
from tessera.bootstrap.telemetry import build_telemetry
from tessera.bootstrap.use_cases import build_use_cases, sla_policy
from tessera.domain.events import DomainEvent, StoredEvent, TicketCreated
from tessera.infrastructure.clock import SystemClock

__all__ = ["Container", "Overrides", "build_container"]


def build_container(settings: Settings, *, overrides: Overrides | None = None) -> Container:
    overrides = overrides or Overrides()
    clock = overrides.clock or SystemClock()
    sla = sla_policy(settings.sla)
    caches = build_caches(
        settings.cache,
        redis_url=settings.redis_url,
        namespace=settings.namespace,
        clock=clock,
        overrides=overrides,
    )
    relay_wake = asyncio.Event()

    async def after_commit(events: list[StoredEvent]) -> None:
        if events:
            relay_wake.set()
            # A ticket opened by this commit was in no cache before it: a new ticket costs
            # no invalidation (ids are never handed out twice while one is cached).
            opened = {e.ticket_id for e in events if isinstance(e, TicketCreated)}
            changed = {e.ticket_id for e in events if isinstance(e, DomainEvent)} - opened
            if changed:
                await caches.invalidator.tickets_changed(changed)

    persistence = build_persistence(
        settings.database,
        on_commit=after_commit,
        clock=clock,
        overrides=overrides,
        event_source=settings.cloud_event_source,
    )
    engine = persistence.engine
    live = build_live(
        settings.live,
        database_url=settings.database.url,
        redis_url=settings.redis_url,
        event_log=persistence.event_log,
        namespace=settings.namespace,
        clock=clock,
        overrides=overrides,
    )
    telemetry = build_telemetry(
        settings.telemetry, engine=engine, cache_stats=caches.stats, clock=clock
    )
    messaging = build_messaging(settings.events, engine=engine)
    storage = build_storage(settings.storage, overrides=overrides)
    mail_state, mail_health = intake_state()
    rate_limiting = build_rate_limiter(
        settings.rate_limit,
        redis_url=settings.redis_url,
        namespace=settings.namespace,
        overrides=overrides,
    )
    use_cases = build_use_cases(
        settings.webhooks,
        persistence=persistence,
        caches=caches,
        live=live,
        storage=storage,
        dead_letters=overrides.dead_letters or messaging.dispatcher,
        clock=clock,
        sla=sla,
        health_checks=(*persistence.health_checks, *caches.health_checks, mail_health),
        agent_scope=settings.agent_scope,
        web=settings.web,
        rate_limiter=rate_limiting.limiter,
        mail=settings.mail,
    )
    integrations = build_integrations(
        settings.webhooks, settings.mail, engine=engine, clock=clock, overrides=overrides
    )
    messaging.consumers.extend(integrations.consumers)
    mail_intake = build_mail_intake(
        settings.mail,
        engine=engine,
        uow=persistence.uow,
        services=use_cases.services,
        state=mail_state,
        clock=clock,
        sla=sla,
        max_files=storage.limits.max_per_comment,
    )
    jobs = build_jobs(
        settings.sla,
        settings.events,
        engine=engine,
        detect_breaches=use_cases.services.detect_breaches,
        sweep_uploads=use_cases.services.sweep_uploads,
        upload_sweep_seconds=settings.storage.sweep_seconds,
        clock=clock,
    )
    return Container(
        settings=settings,
        engine=engine,
        clock=clock,
        sla=sla,
        uow=persistence.uow,
        services=use_cases.services,
        bootstrap_admin=use_cases.bootstrap_admin,
        schema_gate=persistence.schema_gate,
        dispatcher=messaging.dispatcher,
        consumers=messaging.consumers,
        background_tasks=[*integrations.tasks, *jobs, *mail_intake.tasks],
        relay_wake=relay_wake,
        live_feed=live.feed,
        feed_channel=live.channel,
        replica_tasks=[*caches.tasks, *telemetry.tasks],
        cache_stats=caches.stats,
        cache_invalidator=caches.invalidator,
        rate_limiter=rate_limiting.limiter,
        idempotency=persistence.idempotency,
        closers=[
            *live.closers,
            *caches.closers,
            *rate_limiting.closers,
            *storage.closers,
            *persistence.closers,
        ],
        overrides=overrides,
        mail=mail_intake,
    )
