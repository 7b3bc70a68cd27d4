"""The CloudEvents 1.0 wire form of domain events."""

from __future__ import annotations

import pytest

from tessera.application.events.cloudevents import CloudEvent, sequence_text, source_for
from tests.support import make_ticket, sdk_cloudevent


def test_a_domain_event_becomes_a_cloudevent_and_round_trips() -> None:
    ticket = make_ticket()
    ticket.id = 7
    [event] = ticket.pull_events()
    cloud = CloudEvent.of(
        event, source="/acme", traceparent="00-" + "a" * 32 + "-" + "b" * 16 + "-01"
    )
    document = cloud.to_dict()
    assert document["specversion"] == "1.0"
    assert (document["type"], document["subject"], document["sequence"], document["source"]) == (
        "ticket.created",
        "7",
        "0000000001",
        "/acme",
    )
    assert document["time"].endswith("Z")
    assert document["traceparent"].startswith("00-")
    assert document["data"]["ticket"]["title"] == "Cannot log in"
    assert CloudEvent.from_dict(document) == cloud
    read = sdk_cloudevent(document)
    assert (read.get_id(), read.get_source(), read.get_extension("sequence")) == (
        cloud.id,
        "/acme",
        "0000000001",
    )


def test_a_document_stored_with_a_numeric_sequence_still_reads() -> None:
    ticket = make_ticket()
    ticket.id = 7
    cloud = CloudEvent.of(ticket.pull_events()[0])
    assert CloudEvent.from_dict({**cloud.to_dict(), "sequence": 1}) == cloud


@pytest.mark.parametrize(
    "boundary", [(8, 9, 10, 11), (98, 99, 100, 101), (999_999_999, 1_000_000_000, 2**31 - 1)]
)
def test_sequences_sort_as_text_as_they_do_as_numbers_across_a_width_boundary(
    boundary: tuple[int, ...],
) -> None:
    texts = [sequence_text(n) for n in boundary]
    assert sorted(texts) == texts
    assert len({len(text) for text in texts}) == 1  # one fixed width
    assert [int(text) for text in texts] == list(boundary)


def test_the_default_source_names_the_namespace() -> None:
    assert source_for("tessera") == "/tessera"
    assert source_for("eu-support") == "/eu-support"
