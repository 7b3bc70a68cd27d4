"""Two Tessera workers on one database and one mailbox of 200 messages: every message is
processed exactly once (one ticket each) and none is lost."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tessera.infrastructure.persistence.tables import inbound_messages, tickets
from tests.integration.mail.conftest import Desk, mail, open_desk
from tests.integration.mail.dovecot import Dovecot

pytestmark = pytest.mark.slow
COUNT = 200


async def test_two_workers_drain_one_mailbox_of_200_messages_once(
    database_url: str, dovecot: Dovecot
) -> None:
    first = await open_desk(database_url, dovecot)
    second = await open_desk(database_url, dovecot, mailboxes=False)
    desks: list[Desk] = [first, second]
    try:
        await first.append(
            *(
                mail(message_id=f"<bulk-{n}@example.org>", sender=f"customer{n}@example.org")
                for n in range(COUNT)
            )
        )
        messages = await first.processed(COUNT)
        assert len(messages) == COUNT
        assert {m.outcome for m in messages} == {"created_ticket"}
        assert len({m.message_id for m in messages}) == COUNT
        assert len({m.ticket_id for m in messages}) == COUNT
        async with first.container.engine.connect() as conn:
            assert await conn.scalar(select(func.count()).select_from(tickets)) == COUNT
            holders = (
                (await conn.execute(select(inbound_messages.c.holder).distinct())).scalars().all()
            )
        assert await first.unseen() == 0
        assert len(holders) >= 1
    finally:
        for desk in desks:
            await desk.halt()
            await desk.container.close()
