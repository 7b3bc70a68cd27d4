"""The dispatcher's bookkeeping on SQLite and PostgreSQL: an event is handled once per group
however often it comes, the mark that it was is committed, and a success after failures
clears their count. On PostgreSQL the lookup and the mark are one statement each on the
direct pool, and the engine's own pool is not touched by an event that succeeds at once."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import bindparam, func, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from tessera.infrastructure.messaging.dispatcher import ConsumerDispatcher, ConsumerFailedError
from tessera.infrastructure.persistence.direct import Prepared, direct_reads
from tessera.infrastructure.persistence.tables import dead_letters, processed_events
from tests.contract.brokers import Recorder, event


async def _count(engine: AsyncEngine, table: Any) -> int:
    async with engine.connect() as conn:
        return int((await conn.execute(select(func.count()).select_from(table))).scalar_one())


async def test_an_event_is_handled_once_per_group_and_marked(engine: AsyncEngine) -> None:
    audit, mail = Recorder("audit"), Recorder("mail")
    dispatcher = ConsumerDispatcher(engine, [audit, mail])
    first, second = event(1, 1), event(1, 2)
    for _ in range(3):
        await dispatcher.dispatch(first)
    await dispatcher.dispatch(second, group="audit")
    assert [e.id for e in audit.handled] == [first.id, second.id]
    assert [e.id for e in mail.handled] == [first.id]
    if engine.dialect.name == "postgresql":
        # The lookups and the marks: none of them through SQLAlchemy's pool.
        assert engine.sync_engine.pool.checkedin() == 0  # type: ignore[attr-defined]
        assert direct_reads(engine).connections()[1] >= 1
    async with engine.connect() as conn:
        marks = (
            await conn.execute(
                select(processed_events.c.consumer_group, processed_events.c.event_id)
            )
        ).all()
    assert sorted(marks) == sorted([("audit", first.id), ("mail", first.id), ("audit", second.id)])


async def test_a_success_after_a_failure_clears_its_count(engine: AsyncEngine) -> None:
    flaky = event(2, 1)
    audit = Recorder("audit", failing={flaky.id}, fail_first=1)
    dispatcher = ConsumerDispatcher(engine, [audit])
    with pytest.raises(ConsumerFailedError, match="failed in audit"):
        await dispatcher.dispatch(flaky)
    assert await _count(engine, dead_letters) == 1  # the failure, counted
    await dispatcher.dispatch(flaky)
    assert [e.id for e in audit.handled] == [flaky.id]
    assert await _count(engine, dead_letters) == 0
    await dispatcher.dispatch(flaky)  # handled: not again
    assert audit.attempts == {flaky.id: 2}


async def test_a_batch_is_handled_once_per_event_and_group_and_marked(
    engine: AsyncEngine,
) -> None:
    before, fresh, flaky, other = event(3, 1), event(3, 2), event(3, 3), event(3, 4)
    audit = Recorder("audit", failing={flaky.id}, fail_first=1)
    mail = Recorder("mail")
    dispatcher = ConsumerDispatcher(engine, [audit, mail])
    await dispatcher.dispatch(before, group="audit")  # handled earlier, one at a time
    failed = await dispatcher.dispatch_many(
        [before, fresh, fresh, flaky, other], group="audit"
    )  # fresh twice: a redelivery in the same batch
    assert failed == {flaky.id}
    assert [e.id for e in audit.handled] == [before.id, fresh.id, other.id]
    assert mail.handled == []  # another group's consumer
    assert await _count(engine, dead_letters) == 1  # the failure, counted
    # The failed one comes again alone, succeeds, and its count is cleared.
    assert await dispatcher.dispatch_many([flaky, fresh], group="audit") == set()
    assert [e.id for e in audit.handled] == [before.id, fresh.id, other.id, flaky.id]
    assert await _count(engine, dead_letters) == 0
    async with engine.connect() as conn:
        marks = (
            (
                await conn.execute(
                    select(processed_events.c.event_id).where(
                        processed_events.c.consumer_group == "audit"
                    )
                )
            )
            .scalars()
            .all()
        )
    assert sorted(marks) == sorted([before.id, fresh.id, flaky.id, other.id])


async def test_prepared_statements_write_and_read_on_either_database(engine: AsyncEngine) -> None:
    mark = Prepared(insert(processed_events))
    find = Prepared(
        select(processed_events.c.event_id, processed_events.c.processed_at).where(
            processed_events.c.consumer_group == bindparam("group")
        )
    )
    at = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
    await mark.execute(engine, consumer_group="g", event_id="e-1", processed_at=at)
    await mark.execute(engine, consumer_group="g", event_id="e-2", processed_at=at)
    await mark.execute(engine, consumer_group="other", event_id="e-3", processed_at=at)
    found = await find.rows(engine, group="g")
    assert sorted(row["event_id"] for row in found) == ["e-1", "e-2"]
    assert {row["processed_at"] for row in found} == {at}
    assert await find.rows(engine, group="nobody") == []
    assert await _count(engine, processed_events) == 3  # committed: seen by the engine
    await mark.execute_many(
        engine,
        [{"consumer_group": "many", "event_id": f"e-{n}", "processed_at": at} for n in range(4, 7)],
    )
    assert sorted(row["event_id"] for row in await find.rows(engine, group="many")) == [
        "e-4",
        "e-5",
        "e-6",
    ]
    await mark.execute_many(engine, [])  # nothing to write: no statement at all
