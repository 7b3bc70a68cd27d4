"""The embedded shape's broker: events go straight from the relay to the consumers."""

from __future__ import annotations

from tessera.application.events.cloudevents import CloudEvent
from tessera.infrastructure.messaging.dispatcher import ConsumerDispatcher


class InProcessPublisher:
    """Publishing is dispatching: a consumer failure fails the publish, and the relay tries
    the event again later (consumers that already handled it skip it)."""

    def __init__(self, dispatcher: ConsumerDispatcher) -> None:
        self._dispatcher = dispatcher

    async def publish(self, events: list[CloudEvent]) -> None:
        for event in events:
            await self._dispatcher.dispatch(event)
