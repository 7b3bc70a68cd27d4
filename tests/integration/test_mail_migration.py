"""The migration that adds mail threads threads the mail queued before it: old Message-IDs
kept, tickets found in the outbox, and a thread per ticket that the next mail continues."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import insert, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from tessera.infrastructure.persistence import schema
from tessera.infrastructure.persistence.engine import create_engine
from tessera.infrastructure.persistence.tables import mail_threads, outbox, outgoing_mail
from tests.support import recreate_postgres_database, worker_database_url

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
_SEQUENCE = itertools.count(1)  # unique per ticket in the outbox


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path, worker_id_name: str) -> str:
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'mail.db'}"
    request.getfixturevalue("postgres_database")  # fails in CI when PostgreSQL is absent
    url = worker_database_url(f"{worker_id_name}_mail_migration")
    asyncio.run(recreate_postgres_database(url))
    return url


@pytest.fixture
async def engine_at_0008(empty_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(empty_url)
    await schema.upgrade(engine, "0008")
    yield engine
    await engine.dispose()


async def _mailed(engine: AsyncEngine, event_id: str, *, ticket_id: int | None) -> None:
    async with engine.begin() as conn:
        if ticket_id is not None:
            await conn.execute(
                insert(outbox).values(
                    event_id=event_id,
                    event_type="ticket.commented",
                    ticket_id=ticket_id,
                    sequence=next(_SEQUENCE),
                    actor="token:1",
                    occurred_at=NOW,
                    data={},
                )
            )
        await conn.execute(  # the table as 0008 left it
            text(
                "INSERT INTO outgoing_mail (event_id, kind, recipient, subject, text_body,"
                " html_body, state, attempts, created_at) VALUES (:event_id, 'agent_reply',"
                " 'ada@example.com', 'Re: [#1] x', 'x', '<p>x</p>', 'sent', 1, :now)"
            ),
            {"event_id": event_id, "now": NOW},
        )


async def test_mail_queued_before_threading_is_threaded_by_its_ticket(
    engine_at_0008: AsyncEngine,
) -> None:
    engine = engine_at_0008
    for event_id, ticket_id in (("e1", 1), ("e2", 2), ("e3", 1), ("e4", 1), ("e5", None)):
        await _mailed(engine, event_id, ticket_id=ticket_id)

    await schema.upgrade(engine)

    async with engine.connect() as conn:
        query = select(
            outgoing_mail.c.event_id, outgoing_mail.c.message_id, outgoing_mail.c.ticket_id
        )
        mails = {row.event_id: row for row in (await conn.execute(query)).all()}
        threads = {row.ticket_id: row for row in (await conn.execute(select(mail_threads))).all()}
    assert {e: m.message_id for e, m in mails.items()} == {
        e: f"<{e}.agent_reply@tessera>" for e in ("e1", "e2", "e3", "e4", "e5")
    }  # the Message-IDs they were sent with, which replies to them name
    assert {e: m.ticket_id for e, m in mails.items()} == {
        "e1": 1,
        "e2": 2,
        "e3": 1,
        "e4": 1,
        "e5": None,
    }
    assert set(threads) == {1, 2}
    assert (threads[1].root_message_id, threads[1].last_message_id) == (
        "<e1.agent_reply@tessera>",
        "<e4.agent_reply@tessera>",
    )
    assert threads[2].root_message_id == threads[2].last_message_id == "<e2.agent_reply@tessera>"
    assert threads[1].token != threads[2].token
    assert all(len(t.token) == 16 for t in threads.values())


async def test_the_migration_goes_down_and_up_again_with_mail_in_the_queue(
    engine_at_0008: AsyncEngine,
) -> None:
    await _mailed(engine_at_0008, "e1", ticket_id=1)
    await schema.upgrade(engine_at_0008)
    await schema.downgrade(engine_at_0008, "0008")
    await schema.upgrade(engine_at_0008)
    async with engine_at_0008.connect() as conn:
        assert await conn.scalar(select(outgoing_mail.c.message_id)) == "<e1.agent_reply@tessera>"
        assert await conn.scalar(select(mail_threads.c.ticket_id)) == 1
