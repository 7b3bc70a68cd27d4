"""The inbound channel over the memory adapters, with the tickets the fixtures answer: #7 is
Ada's (its thread sent ``T7_SENT`` with token ``TOKEN7``), #8 Grace's (token ``TOKEN8``)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from tessera.application.mail.services import MailServices, build_mail_services
from tessera.application.mail.threads import ReplyAddress
from tessera.application.services import Services
from tessera.application.tickets.commands import CreateTicket
from tessera.bootstrap.memory import build_memory_services
from tessera.domain.access.principal import Principal, Role
from tessera.domain.tickets.sla import SlaPolicy
from tessera.infrastructure.mail_intake.reader import EmailPackageReader
from tessera.infrastructure.memory.inbound_mail import (
    InMemoryInboundMessageStore,
    InMemoryMailboxStore,
    InMemoryMailThreadIndex,
)
from tessera.infrastructure.memory.store import MemoryStore
from tessera.infrastructure.memory.unit_of_work import InMemoryUnitOfWork
from tests.support import FrozenClock

T7_SENT = "<t7.0f1e2d3c4b5a69788796a5b4c3d2e1f0@support.example.com>"
TOKEN7 = "mfrggzdfmztwq2lk"
TOKEN8 = "onxw2zjanfzsa3dp"
ADA = "ada.lovelace@gmail.com"
GRACE = "grace.hopper@contoso.com"
OWN = ("support@support.example.com",)
ADMIN = Principal(token_id=1, user_id=1, name="admin", role=Role.ADMIN)


@dataclass
class Channel:
    mail: MailServices
    services: Services
    store: MemoryStore
    messages: InMemoryInboundMessageStore
    sent: InMemoryMailThreadIndex
    clock: FrozenClock

    async def deliver(self, raw: bytes, *, mailbox_id: int = 1) -> int | None:
        return await self.mail.accept_mail(mailbox_id=mailbox_id, raw=raw)

    async def drain(self) -> None:
        while (await self.mail.process_mail(holder="test")).processed:
            pass

    async def ticket_for(self, customer: str, *, title: str = "Earlier request") -> int:
        view = await self.services.create_ticket(
            CreateTicket(
                title=title, description="An earlier request by mail.", customer_email=customer
            ),
            principal=ADMIN,
        )
        return view.id


@pytest.fixture
async def channel(clock: FrozenClock) -> Channel:
    services, store = build_memory_services(clock=clock)
    messages, sent = store.inbound_messages, InMemoryMailThreadIndex()
    mail = build_mail_services(
        uow=lambda: InMemoryUnitOfWork(store),
        mailboxes=InMemoryMailboxStore(),
        messages=messages,
        sent=sent,
        reader=EmailPackageReader(own_addresses=OWN),
        reply_address=ReplyAddress(local_part="support", domain="support.example.com"),
        upload_file=services.upload_file,
        clock=clock,
        sla=SlaPolicy(),
        max_files=3,
        own_addresses=frozenset(OWN),
    )
    channel = Channel(
        mail=mail, services=services, store=store, messages=messages, sent=sent, clock=clock
    )
    for n in range(1, 9):
        customer = {7: ADA, 8: GRACE}.get(n, f"customer{n}@example.net")
        assert await channel.ticket_for(customer) == n
    sent.sent[T7_SENT] = 7
    sent.tokens[TOKEN7] = 7
    sent.tokens[TOKEN8] = 8
    return channel
