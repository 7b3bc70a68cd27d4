"""The event registry lists every domain event once, under its name on the wire."""

from __future__ import annotations

from tessera.domain import events
from tessera.domain.events import EVENTS_BY_TYPE, DomainEvent, PeopleEvent
from tessera.domain.webhooks.webhook import EVENT_TYPES


def test_every_domain_event_is_registered_under_its_wire_name() -> None:
    defined = {
        value
        for value in vars(events).values()
        if isinstance(value, type)
        and issubclass(value, DomainEvent | PeopleEvent)
        and value not in (DomainEvent, PeopleEvent)
    }
    assert set(EVENTS_BY_TYPE.values()) == defined
    assert all(name == event.type for name, event in EVENTS_BY_TYPE.items())


def test_webhooks_may_subscribe_to_exactly_the_registered_types() -> None:
    assert frozenset(EVENTS_BY_TYPE) == EVENT_TYPES


def test_every_people_event_names_its_subject_kind() -> None:
    kinds = {
        event.subject_kind for event in EVENTS_BY_TYPE.values() if issubclass(event, PeopleEvent)
    }
    assert kinds == {"user", "organization", "group"}
    assert all(
        event.type.startswith(f"{event.subject_kind}.")
        for event in EVENTS_BY_TYPE.values()
        if issubclass(event, PeopleEvent)
    )
