"""Migration 0015 on a database with events: every stored event becomes a ticket's (its
subject the ticket, its sequence kept), the history and the feed read as before, people
events then sit beside them; the downgrade drops the people events and gives the old
table back."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import insert, text
from sqlalchemy.ext.asyncio import AsyncEngine

from tessera.infrastructure.persistence import schema
from tessera.infrastructure.persistence.engine import create_engine
from tessera.infrastructure.persistence.event_log import SqlAlchemyEventLog
from tessera.infrastructure.persistence.tables import outbox
from tests.support import BLANK_DATABASES, blank_database_url

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
# (ticket id, sequence, type, feed position)
STORED = [
    (1, 1, "ticket.created", 1),
    (2, 1, "ticket.created", 2),
    (1, 2, "ticket.status_changed", 3),
    (1, 3, "ticket.updated", None),  # committed, not yet positioned by the relay
]


@pytest.fixture(params=BLANK_DATABASES)
def database_at_0014(request: pytest.FixtureRequest, tmp_path: Path, worker_id_name: str) -> str:
    return blank_database_url(request, tmp_path, worker=worker_id_name, name="at_0014")


@pytest.fixture
async def engine_at_0014(database_at_0014: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_at_0014)
    await schema.upgrade(engine, "0014")
    async with engine.begin() as conn:
        for ticket_id, sequence, event_type, position in STORED:
            await conn.execute(
                insert(outbox).values(  # only the columns 0014 has
                    event_id=f"e-{ticket_id}-{sequence}",
                    event_type=event_type,
                    ticket_id=ticket_id,
                    sequence=sequence,
                    actor="user:1",
                    occurred_at=NOW,
                    data={"n": sequence},
                    position=position,
                )
            )
    yield engine
    await engine.dispose()


async def _rows(engine: AsyncEngine, columns: str) -> list[tuple[object, ...]]:
    async with engine.connect() as conn:
        result = await conn.execute(text(f"SELECT {columns} FROM outbox ORDER BY id"))  # noqa: S608
        return [tuple(row) for row in result]


async def test_stored_events_become_the_tickets_and_read_as_before(
    engine_at_0014: AsyncEngine,
) -> None:
    engine = engine_at_0014
    await schema.upgrade(engine, "0015")
    assert await _rows(engine, "subject_kind, subject_id, ticket_id, sequence") == [
        ("ticket", ticket_id, ticket_id, sequence) for ticket_id, sequence, _, _ in STORED
    ]
    log = SqlAlchemyEventLog(engine)
    history = await log.history(1, after_sequence=0, limit=10)
    assert [(e.subject, e.sequence, e.type) for e in history] == [
        ("1", 1, "ticket.created"),
        ("1", 2, "ticket.status_changed"),
        ("1", 3, "ticket.updated"),
    ]
    feed = await log.feed(after=0, limit=10, types=())
    assert [(entry.position, entry.event.subject) for entry in feed.entries] == [
        (1, "1"),
        (2, "2"),
        (3, "1"),
    ]

    async with engine.begin() as conn:  # a people event beside them, as the code writes it
        await conn.execute(
            insert(outbox).values(
                event_id="p-1",
                event_type="user.created",
                ticket_id=None,
                sequence=1,
                actor="system",
                occurred_at=NOW,
                data={"user": {"id": 7}},
                subject_kind="user",
                subject_id=7,
                position=4,
            )
        )
    people = await log.feed(after=3, limit=10, types=("user.created",))
    assert [
        (e.event.subject, e.event.subject_kind, e.event.subject_id) for e in people.entries
    ] == [("users/7", "user", 7)]

    await schema.downgrade(engine, "0014")
    assert await _rows(engine, "event_id, ticket_id, sequence") == [
        (f"e-{ticket_id}-{sequence}", ticket_id, sequence) for ticket_id, sequence, _, _ in STORED
    ]
    async with engine.connect() as conn:
        columns = await conn.run_sync(
            lambda sync: {c["name"] for c in sync.dialect.get_columns(sync, "outbox")}
        )
        tables = await conn.run_sync(lambda sync: set(sync.dialect.get_table_names(sync)))
    assert {"subject_kind", "subject_id"}.isdisjoint(columns)
    assert "event_subjects" not in tables

    await schema.upgrade(engine)  # and up again, to the head
    assert len(await _rows(engine, "subject_kind")) == len(STORED)
