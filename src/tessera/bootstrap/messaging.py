"""The event pipeline's parts: the consumer dispatcher, the relay's wake-up and the transport."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncEngine

from tessera.application.ports.clock import Clock
from tessera.application.ports.events import EventConsumer
from tessera.bootstrap.events import EventTransport, event_transport
from tessera.bootstrap.overrides import Overrides
from tessera.bootstrap.settings import EventSettings
from tessera.infrastructure.messaging.dead_letters import FailureLog
from tessera.infrastructure.messaging.dispatcher import ConsumerDispatcher


@dataclass(kw_only=True)
class Messaging:
    # Hands events to ``consumers`` (kept by reference: filled once the integrations are
    # built) and keeps their dead letters.
    dispatcher: ConsumerDispatcher
    consumers: list[EventConsumer] = field(default_factory=list)


def build_messaging(events: EventSettings, *, engine: AsyncEngine) -> Messaging:
    consumers: list[EventConsumer] = []
    dispatcher = ConsumerDispatcher(
        engine, consumers, failures=FailureLog(engine, max_deliveries=events.max_deliveries)
    )
    return Messaging(dispatcher=dispatcher, consumers=consumers)


def build_transport(
    broker_url: str | None,
    dispatcher: ConsumerDispatcher,
    *,
    namespace: str,
    clock: Clock,
    overrides: Overrides,
) -> EventTransport:
    """Built once every consumer is known: each consumer group gets its subscription."""
    if overrides.publisher is not None:
        return EventTransport(publisher=overrides.publisher)
    return event_transport(
        broker_url, dispatcher, namespace=namespace, clock=clock, open_redis=overrides.open_redis
    )
