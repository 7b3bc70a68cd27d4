"""Inbound mail stores' contract: a message is kept once per Message-ID and mailbox (a
repeat is a ``duplicate``), leased to one holder at a time, finished once, listed newest
first; mailboxes read back as stored and refuse a taken address."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from tessera.application.errors import ConflictError
from tessera.application.ports.inbound_mail import (
    Envelope,
    InboundMessageStore,
    MailboxStore,
    MessageResult,
)
from tessera.domain.access.mailboxes import EmailAddress
from tessera.domain.mail.mailbox import ImapIntake, ImapTls, LmtpIntake, Mailbox
from tessera.domain.mail.message import Outcome
from tessera.infrastructure.mail_intake.store import (
    SqlAlchemyInboundMessageStore,
    SqlAlchemyMailboxStore,
)
from tessera.infrastructure.memory.inbound_mail import (
    InMemoryInboundMessageStore,
    InMemoryMailboxStore,
)
from tessera.infrastructure.persistence.engine import create_engine

NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
LEASE = timedelta(minutes=5)


@dataclass
class Stores:
    messages: InboundMessageStore
    mailboxes: MailboxStore


@pytest.fixture
async def stores(backend_url: str | None) -> AsyncIterator[Stores]:
    if backend_url is None:
        yield Stores(messages=InMemoryInboundMessageStore(), mailboxes=InMemoryMailboxStore())
        return
    engine = create_engine(backend_url)
    yield Stores(
        messages=SqlAlchemyInboundMessageStore(engine), mailboxes=SqlAlchemyMailboxStore(engine)
    )
    await engine.dispose()


def envelope(key: str) -> Envelope:
    return Envelope(key=key, message_id=key, sender="ada@example.org", subject="Hi")


async def test_a_repeated_message_id_is_kept_as_a_duplicate_and_never_claimed(
    stores: Stores,
) -> None:
    first = await stores.messages.record(
        mailbox_id=1, raw=b"one", envelope=envelope("<a@x>"), received_at=NOW
    )
    again = await stores.messages.record(
        mailbox_id=1, raw=b"one", envelope=envelope("<a@x>"), received_at=NOW
    )
    other_mailbox = await stores.messages.record(
        mailbox_id=2, raw=b"one", envelope=envelope("<a@x>"), received_at=NOW
    )
    assert first is not None and again is None and other_mailbox is not None
    claimed = await stores.messages.claim(holder="w", now=NOW, lease=LEASE, limit=10)
    assert [m.id for m in claimed] == [first, other_mailbox]
    listed = await stores.messages.page(1, after_id=0, limit=10)
    assert [(v.outcome, v.message_id) for v in listed] == [
        (Outcome.DUPLICATE.value, "<a@x>"),
        (None, "<a@x>"),
    ]


async def test_a_lease_keeps_a_message_from_other_holders_until_it_expires(
    stores: Stores,
) -> None:
    kept = await stores.messages.record(
        mailbox_id=1, raw=b"raw bytes \xff", envelope=envelope("<b@x>"), received_at=NOW
    )
    first = await stores.messages.claim(holder="a", now=NOW, lease=LEASE, limit=10)
    assert [(m.id, m.raw) for m in first] == [(kept, b"raw bytes \xff")]
    assert await stores.messages.claim(holder="b", now=NOW + LEASE / 2, lease=LEASE, limit=10) == []
    later = await stores.messages.claim(holder="b", now=NOW + LEASE, lease=LEASE, limit=10)
    assert [m.id for m in later] == [kept]
    result = MessageResult(outcome=Outcome.CREATED_TICKET, ticket_id=9, details={"cc": []})
    assert not await stores.messages.finish(kept or 0, holder="a", result=result, now=NOW)
    assert await stores.messages.finish(kept or 0, holder="b", result=result, now=NOW)
    assert not await stores.messages.finish(kept or 0, holder="b", result=result, now=NOW)
    assert await stores.messages.claim(holder="c", now=NOW + LEASE * 3, lease=LEASE, limit=10) == []
    (view,) = await stores.messages.page(1, after_id=0, limit=10)
    assert (view.outcome, view.ticket_id, view.processed_at) == ("created_ticket", 9, NOW)
    assert await stores.messages.ticket_for_message_ids(["<none@x>", "<b@x>"]) == 9


async def test_messages_page_newest_first(stores: Stores) -> None:
    ids = [
        await stores.messages.record(
            mailbox_id=3, raw=b"m", envelope=envelope(f"<{n}@x>"), received_at=NOW
        )
        for n in range(5)
    ]
    first = await stores.messages.page(3, after_id=0, limit=2)
    rest = await stores.messages.page(3, after_id=first[-1].id, limit=10)
    assert [v.id for v in first + rest] == list(reversed(ids))


def mailbox(address: str, *, imap: bool) -> Mailbox:
    intake = (
        ImapIntake(
            host="imap.example.org",
            port=993,
            tls=ImapTls.TLS,
            user="u",
            password="pw",
            folder="INBOX",
        )
        if imap
        else LmtpIntake()
    )
    return Mailbox(
        id=0,
        address=EmailAddress(address),
        group_id=4 if imap else None,
        intake=intake,
        created_at=NOW,
        updated_at=NOW,
    )


async def test_mailboxes_read_back_as_stored_and_refuse_a_taken_address(stores: Stores) -> None:
    imap, lmtp = mailbox("help@example.org", imap=True), mailbox("sales@example.org", imap=False)
    await stores.mailboxes.add(imap)
    await stores.mailboxes.add(lmtp)
    found = await stores.mailboxes.get(imap.id)
    assert found is not None
    assert (found.address, found.group_id, found.intake) == (imap.address, 4, imap.intake)
    assert [m.id for m in await stores.mailboxes.page(after_id=0, limit=10)] == [imap.id, lmtp.id]
    with pytest.raises(ConflictError):
        await stores.mailboxes.add(mailbox("help@example.org", imap=False))
    lmtp.address = EmailAddress("help@example.org")
    with pytest.raises(ConflictError):
        await stores.mailboxes.save(lmtp)
    assert await stores.mailboxes.delete(imap.id)
    assert not await stores.mailboxes.delete(imap.id)
    assert await stores.mailboxes.get(imap.id) is None
