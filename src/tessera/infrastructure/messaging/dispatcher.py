"""Consumer dispatch with deduplication by (consumer group, event id), dead letters for the
events a consumer keeps failing on, and their replay."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import String, any_, bindparam, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncEngine

from tessera.application.events.cloudevents import CloudEvent
from tessera.application.ports.dead_letters import DeadLetterView, ReplayOutcome
from tessera.application.ports.events import EventConsumer
from tessera.infrastructure.messaging.dead_letters import FailureLog, describe
from tessera.infrastructure.persistence.direct import Prepared
from tessera.infrastructure.persistence.engine import writer
from tessera.infrastructure.persistence.tables import processed_events
from tessera.infrastructure.persistence.upserts import insert_ignoring_duplicates
from tessera.infrastructure.telemetry.tracing import consumer_span

logger = logging.getLogger("tessera.events")

REMEMBERED_FAILURES = 10_000

# Whether a group has handled (or given up on) an event, and the mark that it has: both for
# every event and group, each one statement in a transaction of its own.
_HANDLED = Prepared(
    select(processed_events.c.event_id).where(
        processed_events.c.consumer_group == bindparam("consumer_group"),
        processed_events.c.event_id == bindparam("event_id"),
    )
)
# The same for a batch of events: which of them the group has handled, in one statement.
_HANDLED_AMONG = {
    dialect: Prepared(
        select(processed_events.c.event_id).where(
            processed_events.c.consumer_group == bindparam("consumer_group"), among
        )
    )
    for dialect, among in (
        (
            "postgresql",
            processed_events.c.event_id == any_(bindparam("event_ids", type_=ARRAY(String))),
        ),
        ("sqlite", processed_events.c.event_id.in_(bindparam("event_ids", expanding=True))),
    )
}
_MARK_HANDLED = {
    dialect: Prepared(insert_ignoring_duplicates(processed_events, dialect=dialect))
    for dialect in ("postgresql", "sqlite")
}


class ConsumerFailedError(RuntimeError):
    """At least one consumer raised; the event must be delivered again."""


class ConsumerDispatcher:
    """Hands each event to each interested consumer once per group.

    The event is marked handled only after ``handle`` returned, so a crash in between means
    one more delivery (at least once), never none. Two handlings of one event can only
    happen when a broker redelivers it while the first is still running; consumers are
    idempotent by event id for that reason.

    A failure is counted; after ``failures.max_deliveries`` of them the event is dead for that
    group: it is skipped (so the broker acknowledges it and the group's other events go on)
    until ``replay``. Also the store of those dead letters (the DeadLetterStore port).
    ``consumers`` is kept by reference: consumers added later are dispatched to as well.
    """

    def __init__(
        self,
        engine: AsyncEngine,
        consumers: Sequence[EventConsumer],
        *,
        failures: FailureLog | None = None,
    ) -> None:
        self._engine = engine
        self._consumers = consumers
        self._failures = failures or FailureLog(engine)
        # Events that failed here: their failure count is removed once they succeed. (One
        # that succeeds on another worker leaves its count behind, unlisted.)
        self._failed: set[tuple[str, str]] = set()

    @property
    def groups(self) -> set[str]:
        return {consumer.group for consumer in self._consumers}

    async def dispatch(self, event: CloudEvent, *, group: str | None = None) -> None:
        failed = []
        for consumer in self._consumers:
            if (group is not None and consumer.group != group) or not consumer.wants(event.type):
                continue
            try:
                await self._handle_once(consumer, event)
            except Exception as error:  # noqa: BLE001 - logged and counted by _given_up
                if not await self._given_up(consumer.group, event, error):
                    failed.append(consumer.group)
        if failed:
            raise ConsumerFailedError(f"event {event.id} failed in {', '.join(failed)}")

    async def dispatch_many(self, events: Sequence[CloudEvent], *, group: str) -> set[str]:
        """``dispatch`` for a batch of one group's events; the ids of those that failed (to
        be delivered again).

        The group's bookkeeping costs two statements for the whole batch instead of two per
        event: one lookup of the events it has handled, and one mark of those it handled now,
        written after the batch. A crash before that mark means those events come again and
        are handled again: at least once, as ``dispatch`` after a crash between handling and
        marking (consumers are idempotent by event id).
        """
        unique = list({event.id: event for event in events}.values())
        failed: set[str] = set()
        for consumer in self._consumers:
            if consumer.group != group:
                continue
            wanted = [e for e in unique if consumer.wants(e.type)]
            if not wanted:
                continue
            handled = await _HANDLED_AMONG[self._engine.dialect.name].rows(
                self._engine, consumer_group=group, event_ids=[e.id for e in wanted]
            )
            done = {row["event_id"] for row in handled}
            marks: list[dict[str, object]] = []
            for event in wanted:
                if event.id in done:
                    continue
                failed_before = (group, event.id) in self._failed
                try:
                    if failed_before:  # marked at once, with its failure count cleared
                        await self._handle(consumer, event, failed_before=True)
                    else:
                        with consumer_span(event, group=group):
                            await consumer.handle(event)
                        marks.append(_mark(group, event))
                except Exception as error:  # noqa: BLE001 - logged and counted by _given_up
                    if not await self._given_up(group, event, error):
                        failed.add(event.id)
                    continue
                self._failed.discard((group, event.id))
            await _MARK_HANDLED[self._engine.dialect.name].execute_many(self._engine, marks)
        return failed

    async def _given_up(self, group: str, event: CloudEvent, error: Exception) -> bool:
        """Log and count a consumer's failure; True once the event is dead for the group."""
        logger.exception("consumer failed", extra={"group": group, "event_id": event.id})
        if len(self._failed) >= REMEMBERED_FAILURES:
            self._failed.clear()  # their counts stay behind, unlisted: harmless
        self._failed.add((group, event.id))
        try:
            return await self._failures.record(group, event, error)
        except Exception:  # the database may be why it failed: count it next time
            logger.warning("could not count a failed delivery", exc_info=True)
            return False

    async def _handle_once(self, consumer: EventConsumer, event: CloudEvent) -> None:
        # A dead event counts as handled (FailureLog marks it so): the same single lookup
        # skips both, and the hot path costs nothing more.
        if await _HANDLED.rows(self._engine, consumer_group=consumer.group, event_id=event.id):
            return
        failed_before = (consumer.group, event.id) in self._failed
        await self._handle(consumer, event, failed_before=failed_before)
        self._failed.discard((consumer.group, event.id))

    async def _handle(
        self, consumer: EventConsumer, event: CloudEvent, *, failed_before: bool
    ) -> None:
        with consumer_span(event, group=consumer.group):
            await consumer.handle(event)
        mark = _mark(consumer.group, event)
        if not failed_before:
            await _MARK_HANDLED[self._engine.dialect.name].execute(self._engine, **mark)
            return
        async with writer(self._engine).begin() as conn:  # with its failure count cleared
            await conn.execute(
                insert_ignoring_duplicates(processed_events, dialect=self._engine.dialect.name),
                mark,
            )
            if failed_before:
                await self._failures.clear(conn, consumer.group, event.id)

    async def page(self, *, after_id: int, limit: int) -> list[DeadLetterView]:
        return await self._failures.page(after_id=after_id, limit=limit)

    async def replay(self, dead_letter_id: int) -> ReplayOutcome | None:
        letter = await self._failures.get(dead_letter_id)
        if letter is None:
            return None
        consumer = next((c for c in self._consumers if c.group == letter.consumer), None)
        if consumer is None:
            return ReplayOutcome(
                dead_letter=letter, error=f"no consumer {letter.consumer!r} runs here"
            )
        event = CloudEvent.from_dict(letter.event)
        try:
            await self._handle(consumer, event, failed_before=True)
        except Exception as error:
            logger.exception("replay failed", extra={"group": consumer.group, "event_id": event.id})
            await self._failures.record(consumer.group, event, error)
            return ReplayOutcome(dead_letter=letter, error=describe(error))
        logger.info("dead letter replayed", extra={"group": consumer.group, "event_id": event.id})
        return ReplayOutcome(dead_letter=letter, error=None)


def _mark(group: str, event: CloudEvent) -> dict[str, object]:
    return {"consumer_group": group, "event_id": event.id, "processed_at": datetime.now(UTC)}
