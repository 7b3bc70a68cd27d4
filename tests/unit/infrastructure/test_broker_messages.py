"""Broker messages (Redis Streams, NATS) carry the CloudEvent's wire form."""

from __future__ import annotations

import orjson

from tessera.application.events.cloudevents import CloudEvent
from tessera.infrastructure.messaging.redis_streams import decode, encode
from tests.support import make_ticket, sdk_cloudevent


def test_a_broker_message_carries_the_sequence_as_text_and_the_source() -> None:
    ticket = make_ticket()
    ticket.id = 12
    cloud = CloudEvent.of(ticket.pull_events()[0], source="urn:example:support")
    message = encode(cloud)
    assert orjson.loads(message)["sequence"] == "0000000001"
    read = sdk_cloudevent(message)
    assert (read.get_source(), read.get_extension("sequence")) == (
        "urn:example:support",
        "0000000001",
    )
    back = decode(message)
    assert (back.id, back.sequence, back.source) == (cloud.id, 1, "urn:example:support")
