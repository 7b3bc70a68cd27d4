"""The unit of work's inbound outcomes' contract: a message's outcome written in a unit of
work exists only once that unit commits, is refused to a holder that lost the lease, and
a finished message is never claimed again."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from tessera.application.ports.inbound_mail import (
    Envelope,
    InboundMessageStore,
    LeaseLostError,
    MessageResult,
)
from tessera.application.ports.unit_of_work import UnitOfWorkFactory
from tessera.domain.mail.message import Outcome
from tessera.infrastructure.mail_intake.store import SqlAlchemyInboundMessageStore
from tessera.infrastructure.memory.store import MemoryStore
from tessera.infrastructure.memory.unit_of_work import InMemoryUnitOfWork
from tessera.infrastructure.persistence.engine import create_engine
from tessera.infrastructure.persistence.unit_of_work import SqlAlchemyUnitOfWork

NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
LEASE = timedelta(minutes=5)
RESULT = MessageResult(outcome=Outcome.CREATED_TICKET, ticket_id=41, details={"cc": []})


@dataclass
class Channel:
    messages: InboundMessageStore
    uow: UnitOfWorkFactory


@pytest.fixture
async def channel(backend_url: str | None) -> AsyncIterator[Channel]:
    if backend_url is None:
        store = MemoryStore()
        yield Channel(messages=store.inbound_messages, uow=lambda: InMemoryUnitOfWork(store))
        return
    engine = create_engine(backend_url)
    yield Channel(
        messages=SqlAlchemyInboundMessageStore(engine), uow=lambda: SqlAlchemyUnitOfWork(engine)
    )
    await engine.dispose()


async def _claimed(channel: Channel, *, holder: str, now: datetime = NOW) -> list[int]:
    claimed = await channel.messages.claim(holder=holder, now=now, lease=LEASE, limit=10)
    return [m.id for m in claimed]


async def _received(channel: Channel, key: str) -> int:
    envelope = Envelope(key=key, message_id=key, sender="ada@example.org", subject="Hi")
    found = await channel.messages.record(
        mailbox_id=1, raw=b"raw", envelope=envelope, received_at=NOW
    )
    assert found is not None
    return found


async def test_the_outcome_exists_only_once_its_unit_of_work_commits(channel: Channel) -> None:
    message = await _received(channel, "<commits@x>")
    assert await _claimed(channel, holder="a") == [message]
    async with channel.uow() as uow:  # left without a commit: rolled back
        await uow.inbound_messages.finish(message, holder="a", result=RESULT, now=NOW)
    (view,) = await channel.messages.page(1, after_id=0, limit=10)
    assert view.outcome is None
    assert await _claimed(channel, holder="b", now=NOW + LEASE) == [message]
    async with channel.uow() as uow:
        await uow.inbound_messages.finish(message, holder="b", result=RESULT, now=NOW)
        await uow.commit()
    (view,) = await channel.messages.page(1, after_id=0, limit=10)
    assert (view.outcome, view.ticket_id) == ("created_ticket", 41)
    assert await _claimed(channel, holder="c", now=NOW + LEASE * 3) == []


async def test_a_holder_that_lost_the_lease_cannot_record_an_outcome(channel: Channel) -> None:
    message = await _received(channel, "<lost@x>")
    assert await _claimed(channel, holder="slow") == [message]
    assert await _claimed(channel, holder="fast", now=NOW + LEASE) == [message]
    with pytest.raises(LeaseLostError):
        await _finish(channel, message, holder="slow")
    await _finish(channel, message, holder="fast")
    with pytest.raises(LeaseLostError):  # finished: not even its holder records it twice
        await _finish(channel, message, holder="fast")


async def _finish(channel: Channel, message: int, *, holder: str) -> None:
    async with channel.uow() as uow:
        await uow.inbound_messages.finish(message, holder=holder, result=RESULT, now=NOW)
        await uow.commit()
