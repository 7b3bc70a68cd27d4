"""The composition root: every port it builds can be replaced, and the override is used."""

from __future__ import annotations

from pathlib import Path
from typing import cast

from tessera.application.ports.idempotency import IdempotencyStore
from tessera.application.ports.unit_of_work import UnitOfWork
from tessera.application.tickets.commands import CreateTicket
from tessera.application.tokens.manage_tokens import IssueToken
from tessera.bootstrap.container import Overrides, build_container
from tessera.bootstrap.settings import DatabaseSettings, Environment, MailSettings, Settings
from tessera.infrastructure.memory.dead_letters import InMemoryDeadLetterStore
from tessera.infrastructure.memory.event_log import InMemoryEventLog
from tessera.infrastructure.memory.readers import InMemoryTicketReader
from tessera.infrastructure.memory.store import MemoryStore
from tessera.infrastructure.memory.unit_of_work import InMemoryUnitOfWork
from tessera.infrastructure.memory.webhooks import InMemoryWebhookStore
from tessera.infrastructure.ratelimit.buckets import LocalBuckets
from tests.support import FrozenClock
from tests.unit.bootstrap.test_integrations import IdleTask
from tests.unit.bootstrap.test_messaging import RecordingPublisher


async def test_overridden_ports_serve_the_use_cases_without_touching_the_database(
    tmp_path: Path,
) -> None:
    store, clock = MemoryStore(), FrozenClock()

    def uow() -> UnitOfWork:
        return InMemoryUnitOfWork(store)

    overrides = Overrides(
        clock=clock,
        uow=uow,
        ticket_reader=InMemoryTicketReader(store),
        event_log=InMemoryEventLog(store),
        webhooks=InMemoryWebhookStore(),
        dead_letters=InMemoryDeadLetterStore(),
        idempotency=cast(IdempotencyStore, object()),
        rate_limiter=LocalBuckets(),
        publisher=RecordingPublisher(),
        webhook_sender=IdleTask("fake-webhooks"),
        mail_sender=IdleTask("fake-mail"),
    )
    settings = Settings(
        env=Environment.TEST,
        # Never created: nothing below may reach the database.
        database=DatabaseSettings(url=f"sqlite+aiosqlite:///{tmp_path / 'absent' / 'x.db'}"),
        mail=MailSettings(smtp_url="smtp://127.0.0.1:1"),
    )
    container = build_container(settings, overrides=overrides)
    try:
        issued = await container.services.issue_token(
            IssueToken(name="admin", role="admin"), principal=None
        )
        admin = await container.services.authenticate(issued.secret)
        view = await container.services.create_ticket(
            CreateTicket(
                title="Printer on fire",
                description="It is really on fire now.",
                customer_email="bob@example.com",
                priority="high",
            ),
            principal=admin,
        )
        assert view.created_at == clock.now()
        assert (await container.services.get_ticket(view.id, principal=admin)).id == view.id
        assert await container.services.ticket_history(
            view.id, principal=admin, after_sequence=0, limit=10
        )
        assert await container.services.list_webhooks(principal=admin, after_id=0, limit=10) == []
        assert container.clock is clock
        assert container.idempotency is overrides.idempotency
        assert container.rate_limiter is overrides.rate_limiter
        assert container.transport.publisher is overrides.publisher
        assert overrides.webhook_sender in container.background_tasks
        assert overrides.mail_sender in container.background_tasks
        assert not (tmp_path / "absent").exists()
    finally:
        await container.close()
