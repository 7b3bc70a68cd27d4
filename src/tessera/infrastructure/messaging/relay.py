"""The outbox relay: orders committed events for the feed, then publishes them.

Two steps, each its own short transaction:

1. Sequencing gives every committed, unpositioned outbox row the next feed ``position``,
   under a lock (an advisory lock on PostgreSQL; SQLite has one writer), so positions are
   handed out in commit order and the feed never skips an event that commits late.
2. Publishing claims positioned, unpublished rows (``FOR UPDATE SKIP LOCKED`` on PostgreSQL,
   so several relays share the work), keeps only those that are next in line for their
   ticket, publishes them, and marks them published in the same transaction. A publish
   failure leaves them unpublished, with a growing delay before the next try.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import RowMapping, bindparam, func, or_, select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from tessera.application.events.cloudevents import DEFAULT_SOURCE
from tessera.application.ports.clock import Clock
from tessera.application.ports.events import EventPublisher
from tessera.domain.events import TICKET_SUBJECT
from tessera.infrastructure.clock import SystemClock
from tessera.infrastructure.persistence.engine import writer
from tessera.infrastructure.persistence.mappers import cloud_event_from_row, outbox_subject_id
from tessera.infrastructure.persistence.tables import outbox
from tessera.infrastructure.waiting import wait_any

logger = logging.getLogger("tessera.relay")

SEQUENCER_LOCK_KEY = 0x7E55E7B
MAX_BACKOFF = timedelta(seconds=30)


class OutboxRelay:
    """A BackgroundTask. ``wake`` (set after local commits) cuts the polling delay."""

    name = "outbox-relay"

    def __init__(
        self,
        engine: AsyncEngine,
        publisher: EventPublisher,
        *,
        batch_size: int = 500,
        poll_interval: float = 0.5,
        wake: asyncio.Event | None = None,
        retry_base: timedelta = timedelta(seconds=0.5),
        source: str = DEFAULT_SOURCE,
        clock: Clock | None = None,
        feed_channel: str | None = None,
        on_sequenced: Callable[[], None] | None = None,
    ) -> None:
        self._engine = engine
        # The feed grew: a NOTIFY on ``feed_channel`` (PostgreSQL, at commit, to every
        # replica) and ``on_sequenced`` (this process) wake the live feed's followers.
        self._feed_channel = feed_channel
        self._on_sequenced = on_sequenced
        self._source = source
        self._clock = clock or SystemClock()
        # SQLite: take the write lock at BEGIN, so a concurrent API write waits its turn
        # instead of invalidating the relay's snapshot (see persistence/engine.py).
        self._writer = writer(engine)
        self._retry_base = retry_base
        self._publisher = publisher
        self._batch = batch_size
        self._poll = poll_interval
        self._wake = wake or asyncio.Event()
        self._failing = False

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            self._wake.clear()  # a commit from now on makes the next wait return at once
            try:
                moved = await self.sequence() + await self.publish()
            except Exception:
                logger.exception("outbox relay cycle failed; retrying")
                moved = 0
            if moved == 0:
                await wait_any(stop, self._wake, seconds=self._poll, clock=self._clock)

    async def sequence(self) -> int:
        """Position committed events in commit order; returns how many were positioned."""
        async with self._writer.begin() as conn:
            if conn.dialect.name == "postgresql":
                await conn.execute(
                    text("SELECT pg_advisory_xact_lock(:key)"), {"key": SEQUENCER_LOCK_KEY}
                )
            ids = list(
                await conn.scalars(
                    select(outbox.c.id)
                    .where(outbox.c.position.is_(None))
                    .order_by(outbox.c.id)
                    .limit(self._batch)
                )
            )
            if not ids:
                return 0
            last = int(
                await conn.scalar(select(func.coalesce(func.max(outbox.c.position), 0))) or 0
            )
            await conn.execute(
                update(outbox)
                .where(outbox.c.id == bindparam("row_id"))
                .values(position=bindparam("new_position")),
                [{"row_id": row_id, "new_position": last + n} for n, row_id in enumerate(ids, 1)],
            )
            if self._feed_channel and conn.dialect.name == "postgresql":
                await conn.execute(
                    text("SELECT pg_notify(:channel, :position)"),
                    {"channel": self._feed_channel, "position": str(last + len(ids))},
                )
        if self._on_sequenced is not None:
            self._on_sequenced()
        return len(ids)

    async def publish(self) -> int:
        """Publish the next batch; returns how many events were published.

        On PostgreSQL the claimed rows stay locked while they are published, so another relay
        skips them. SQLite has one relay and one writer: its rows are read, published, then
        marked in a second short transaction, so the write lock is never held while consumers
        (which write too) run.
        """
        now = self._clock.now()
        if self._engine.dialect.name == "postgresql":
            async with self._engine.begin() as conn:
                ready = await _next_in_line(conn, await self._claim(conn, now))
                error = await self._send(ready)
                await self._record(conn, ready, now, error)
        else:
            async with self._engine.connect() as conn:
                ready = await _next_in_line(conn, await self._claim(conn, now))
                await conn.rollback()
            error = await self._send(ready)
            async with self._writer.begin() as conn:
                await self._record(conn, ready, now, error)
        return 0 if error else len(ready)

    async def _send(self, rows: Sequence[RowMapping]) -> Exception | None:
        if not rows:
            return None
        try:
            await self._publisher.publish(
                [cloud_event_from_row(row, source=self._source) for row in rows]
            )
        except Exception as error:  # noqa: BLE001 - any publish failure: try again later
            if not self._failing:
                logger.warning("publishing events failed; they stay in the outbox: %s", error)
                self._failing = True
            return error
        if self._failing:
            logger.warning("publishing events works again")
            self._failing = False
        return None

    async def _record(
        self,
        conn: AsyncConnection,
        rows: Sequence[RowMapping],
        now: datetime,
        error: Exception | None,
    ) -> None:
        if not rows:
            return
        if error is None:
            await conn.execute(
                update(outbox)
                .where(outbox.c.id.in_([row["id"] for row in rows]))
                .values(published_at=now, last_error=None, next_attempt_at=None)
            )
            return
        message = f"{type(error).__name__}: {error}"[:2000]
        await conn.execute(
            update(outbox)
            .where(outbox.c.id == bindparam("row_id"))
            .values(
                attempts=bindparam("new_attempts"),
                next_attempt_at=bindparam("retry_at"),
                last_error=message,
            ),
            [
                {
                    "row_id": row["id"],
                    "new_attempts": int(row["attempts"]) + 1,
                    "retry_at": now + self._backoff(int(row["attempts"]) + 1),
                }
                for row in rows
            ],
        )

    def _backoff(self, attempts: int) -> timedelta:
        return min(MAX_BACKOFF, self._retry_base * (1 << min(attempts - 1, 16)))

    async def _claim(self, conn: AsyncConnection, now: datetime) -> Sequence[RowMapping]:
        statement = (
            select(outbox)
            .where(
                outbox.c.published_at.is_(None),
                outbox.c.position.is_not(None),
                or_(outbox.c.next_attempt_at.is_(None), outbox.c.next_attempt_at <= now),
            )
            .order_by(outbox.c.position)
            .limit(self._batch)
        )
        if conn.dialect.name == "postgresql":
            statement = statement.with_for_update(skip_locked=True)
        return (await conn.execute(statement)).mappings().all()


def _subject(row: RowMapping) -> tuple[str, int]:
    return row["subject_kind"], outbox_subject_id(row)


async def _next_in_line(conn: AsyncConnection, claimed: Sequence[RowMapping]) -> list[RowMapping]:
    """Keep, per subject (a ticket, or a user, organization or group), only the claimed rows
    with no unpublished event of that subject before them (another relay may hold an earlier
    one): per-subject order survives several relays."""
    if not claimed:
        return []
    highest = max(int(row["position"]) for row in claimed)
    subjects = {_subject(row) for row in claimed}
    tickets = {ident for kind, ident in subjects if kind == TICKET_SUBJECT}
    people = {ident for kind, ident in subjects if kind != TICKET_SUBJECT}
    pending = await conn.execute(
        select(outbox.c.subject_kind, outbox.c.subject_id, outbox.c.ticket_id, outbox.c.position)
        .where(
            outbox.c.published_at.is_(None),
            outbox.c.position <= highest,
            or_(outbox.c.ticket_id.in_(tickets), outbox.c.subject_id.in_(people)),
        )
        .order_by(outbox.c.position)
    )
    queue: dict[Any, list[int]] = defaultdict(list)
    for row in pending.mappings():
        queue[_subject(row)].append(int(row["position"]))
    ready = []
    for row in claimed:
        line = queue[_subject(row)]
        if line and line[0] == row["position"]:
            line.pop(0)
            ready.append(row)
        else:
            line.clear()  # a gap: nothing later of this ticket may go before it
    return ready
