"""The SLA job on PostgreSQL with two workers at once: one breach event per target."""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest
from sqlalchemy import select

from tessera.application.tickets.commands import CreateTicket
from tessera.bootstrap.container import Overrides, build_container
from tessera.bootstrap.settings import DatabaseSettings, Environment, Settings
from tessera.domain.access.principal import Principal, Role
from tessera.infrastructure.persistence.tables import outbox
from tests.support import FrozenClock

pytestmark = pytest.mark.postgres

ADMIN = Principal(token_id=1, user_id=1, name="admin", role=Role.ADMIN)


async def test_two_workers_record_each_breach_once(postgres_url: str) -> None:
    clock = FrozenClock()
    settings = Settings(env=Environment.TEST, database=DatabaseSettings(url=postgres_url))
    one = build_container(settings, overrides=Overrides(clock=clock))
    two = build_container(settings, overrides=Overrides(clock=clock))
    try:
        for n in range(30):
            await one.services.create_ticket(
                CreateTicket(
                    title=f"Outage {n}",
                    description="Everything is down.",
                    customer_email="ops@example.com",
                    priority="critical",  # 1 h first response, 4 h resolution
                ),
                principal=ADMIN,
            )
        clock.advance(hours=2)  # first responses are late
        await asyncio.gather(*(c.services.detect_breaches() for c in (one, two, one, two)))
        clock.advance(hours=3)  # resolutions too
        recorded = await asyncio.gather(
            *(c.services.detect_breaches() for c in (one, two, one, two))
        )
        assert sum(recorded) >= 30
        assert await one.services.detect_breaches() == 0  # nothing left to report

        async with one.engine.connect() as conn:
            rows = (
                await conn.execute(
                    select(outbox.c.ticket_id, outbox.c.data).where(
                        outbox.c.event_type == "ticket.sla_breached"
                    )
                )
            ).all()
    finally:
        await one.close()
        await two.close()
    breaches = Counter((ticket_id, data["target"]) for ticket_id, data in rows)
    assert len(breaches) == 60  # 30 tickets x 2 targets
    assert set(breaches.values()) == {1}
    assert {target for _, target in breaches} == {"first_response", "resolution"}
