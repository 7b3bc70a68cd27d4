"""The database side: the engine, the unit of work, the SQL stores and the schema gate."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

from sqlalchemy.ext.asyncio import AsyncEngine

from tessera.application.events.cloudevents import DEFAULT_SOURCE
from tessera.application.ports.clock import Clock
from tessera.application.ports.events import EventLog
from tessera.application.ports.health import HealthCheck
from tessera.application.ports.idempotency import IdempotencyStore
from tessera.application.ports.tickets import TicketReader
from tessera.application.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from tessera.application.ports.webhooks import WebhookStore
from tessera.bootstrap.overrides import Closer, Overrides
from tessera.bootstrap.schema_gate import SchemaGate
from tessera.bootstrap.settings import DatabaseSettings
from tessera.infrastructure.persistence.engine import create_engine, dispose_engine
from tessera.infrastructure.persistence.event_log import SqlAlchemyEventLog
from tessera.infrastructure.persistence.health import DatabaseHealthCheck
from tessera.infrastructure.persistence.idempotency import SqlAlchemyIdempotencyStore
from tessera.infrastructure.persistence.readers import SqlAlchemyTicketReader
from tessera.infrastructure.persistence.unit_of_work import CommitListener, SqlAlchemyUnitOfWork
from tessera.infrastructure.telemetry.tracing import current_traceparent
from tessera.infrastructure.webhooks.store import SqlAlchemyWebhookStore


@dataclass(frozen=True, slots=True, kw_only=True)
class Persistence:
    engine: AsyncEngine
    uow: UnitOfWorkFactory
    # Uncached: the cache builder wraps it.
    reader: TicketReader
    event_log: EventLog
    webhooks: WebhookStore
    idempotency: IdempotencyStore
    # Closed until the schema is at head: the API answers 503 and serve_tasks wait (SPEC §11).
    schema_gate: SchemaGate
    health_checks: tuple[HealthCheck, ...]
    closers: tuple[Closer, ...]


def build_persistence(
    database: DatabaseSettings,
    *,
    on_commit: CommitListener,
    clock: Clock,
    overrides: Overrides,
    event_source: str = DEFAULT_SOURCE,
) -> Persistence:
    """``on_commit`` hears every commit that wrote events (the relay's wake, the cache)."""
    engine = create_engine(database.url, pool_size=database.pool_size, echo=database.echo)
    schema_gate = SchemaGate(engine, interval=database.schema_poll_seconds, clock=clock)

    def uow() -> UnitOfWork:
        return SqlAlchemyUnitOfWork(engine, traceparent=current_traceparent, on_commit=(on_commit,))

    return Persistence(
        engine=engine,
        uow=overrides.uow or uow,
        reader=overrides.ticket_reader or SqlAlchemyTicketReader(engine),
        event_log=overrides.event_log or SqlAlchemyEventLog(engine, source=event_source),
        webhooks=overrides.webhooks or SqlAlchemyWebhookStore(engine),
        idempotency=overrides.idempotency or SqlAlchemyIdempotencyStore(engine),
        schema_gate=schema_gate,
        health_checks=(DatabaseHealthCheck(engine), schema_gate),
        closers=(partial(dispose_engine, engine),),
    )
