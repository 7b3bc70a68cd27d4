"""The messaging builder: one dispatcher over the consumer list, the transport by broker URL."""

from __future__ import annotations

from pathlib import Path

import pytest

from tessera.application.events.cloudevents import CloudEvent
from tessera.bootstrap.events import UnsupportedBrokerError
from tessera.bootstrap.messaging import build_messaging, build_transport
from tessera.bootstrap.overrides import Overrides
from tessera.bootstrap.settings import EventSettings
from tessera.infrastructure.messaging.redis_streams import RedisStreamPublisher
from tessera.infrastructure.persistence.engine import create_engine
from tessera.infrastructure.webhooks.consumer import WebhookConsumer
from tests.support import FrozenClock
from tests.unit.bootstrap.conftest import RecordingOpener


class RecordingPublisher:
    def __init__(self) -> None:
        self.published: list[CloudEvent] = []

    async def publish(self, events: list[CloudEvent]) -> None:
        self.published.extend(events)


async def test_consumers_added_after_building_reach_the_dispatcher(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'm.db'}")
    messaging = build_messaging(EventSettings(), engine=engine)
    messaging.consumers.append(WebhookConsumer(engine))
    assert messaging.dispatcher.groups == {"webhooks"}
    embedded = build_transport(
        None, messaging.dispatcher, namespace="t", clock=FrozenClock(), overrides=Overrides()
    )
    assert embedded.embedded
    assert embedded.subscriptions == []
    await engine.dispose()


async def test_a_redis_broker_opens_its_client_through_the_opener(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'm.db'}")
    messaging = build_messaging(EventSettings(), engine=engine)
    messaging.consumers.append(WebhookConsumer(engine))
    opener = RecordingOpener()
    transport = build_transport(
        "redis://127.0.0.1:1/0",
        messaging.dispatcher,
        namespace="t",
        clock=FrozenClock(),
        overrides=Overrides(open_redis=opener),
    )
    assert isinstance(transport.publisher, RedisStreamPublisher)
    assert len(opener.clients) == 1
    assert len(transport.subscriptions) == 1
    await transport.close()
    await engine.dispose()


async def test_an_overridden_publisher_is_used_as_the_broker(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'm.db'}")
    messaging = build_messaging(EventSettings(), engine=engine)
    publisher = RecordingPublisher()
    transport = build_transport(
        "nats://127.0.0.1:1",
        messaging.dispatcher,
        namespace="t",
        clock=FrozenClock(),
        overrides=Overrides(publisher=publisher),
    )
    assert transport.publisher is publisher
    assert not transport.embedded
    with pytest.raises(UnsupportedBrokerError):
        build_transport(
            "amqp://x",
            messaging.dispatcher,
            namespace="t",
            clock=FrozenClock(),
            overrides=Overrides(),
        )
    await engine.dispose()
