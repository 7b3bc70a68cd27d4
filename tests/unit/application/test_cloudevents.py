"""The CloudEvents 1.0 wire form of domain events."""

from __future__ import annotations

from tessera.application.events.cloudevents import CloudEvent
from tests.support import make_ticket


def test_a_domain_event_becomes_a_cloudevent_and_round_trips() -> None:
    ticket = make_ticket()
    ticket.id = 7
    [event] = ticket.pull_events()
    cloud = CloudEvent.of(event, traceparent="00-" + "a" * 32 + "-" + "b" * 16 + "-01")
    document = cloud.to_dict()
    assert document["specversion"] == "1.0"
    assert (document["type"], document["subject"], document["sequence"]) == (
        "ticket.created",
        "7",
        1,
    )
    assert document["time"].endswith("Z")
    assert document["traceparent"].startswith("00-")
    assert document["data"]["ticket"]["title"] == "Cannot log in"
    assert CloudEvent.from_dict(document) == cloud
