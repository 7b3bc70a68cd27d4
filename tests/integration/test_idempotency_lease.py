"""A request whose server died mid-way holds its Idempotency-Key only for the lease: a retry
while the lease is live is told the first is in progress, a retry after it runs."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select

from tessera.application.ports.idempotency import ClaimState
from tessera.application.tickets.commands import CreateTicket
from tessera.application.views import TicketView
from tessera.bootstrap.container import Overrides, build_container
from tessera.domain.access.principal import Principal
from tessera.infrastructure.persistence.engine import create_engine
from tessera.infrastructure.persistence.idempotency import SqlAlchemyIdempotencyStore
from tessera.infrastructure.persistence.tables import idempotency_keys
from tessera.presentation.http.app import create_app
from tests.e2e.conftest import ADMIN_SECRET, settings_for
from tests.support import FrozenClock

KEYED = {"Authorization": f"Bearer {ADMIN_SECRET}", "Idempotency-Key": "lost-in-a-crash"}
NEW = {"title": "Twice", "description": "Sent, then sent again.", "customer_email": "a@b.co"}
LEASE = timedelta(seconds=30)


@pytest.mark.slow
async def test_a_retry_after_the_lease_of_a_dead_request_runs_it(database_url: str) -> None:
    clock = FrozenClock()
    container = build_container(settings_for(database_url), overrides=Overrides(clock=clock))
    await container.start()
    entered, never = asyncio.Event(), asyncio.Event()
    create = container.services.create_ticket

    async def first_call_hangs(command: CreateTicket, *, principal: Principal) -> TicketView:
        if not entered.is_set():
            entered.set()
            await never.wait()  # the server dies here: nothing completes or releases the key
        return await create(command, principal=principal)

    services = dataclasses.replace(container.services, create_ticket=first_call_hangs)  # type: ignore[arg-type]
    app = create_app(
        services, idempotency=container.idempotency, idempotency_lease=LEASE, clock=clock
    )
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as api:
        dead = asyncio.create_task(api.post("/v1/tickets", json=NEW, headers=KEYED))
        await asyncio.wait_for(entered.wait(), timeout=30)
        clock.advance(seconds=LEASE.total_seconds() / 2)
        meanwhile = await api.post("/v1/tickets", json=NEW, headers=KEYED)
        clock.advance(seconds=LEASE.total_seconds() / 2 + 1)
        retried = await api.post("/v1/tickets", json=NEW, headers=KEYED)
        replayed = await api.post("/v1/tickets", json=NEW, headers=KEYED)
        dead.cancel()
        await asyncio.gather(dead, return_exceptions=True)
    await container.close()

    assert meanwhile.status_code == 409
    assert meanwhile.json()["code"] == "conflict"
    assert "in progress" in meanwhile.json()["error"]
    assert retried.status_code == 201, retried.text
    assert replayed.json() == retried.json()
    assert replayed.headers["idempotent-replayed"] == "true"


async def test_a_claim_is_in_flight_during_its_lease_and_free_after_it(
    database_url: str,
) -> None:
    clock = FrozenClock()
    engine = create_engine(database_url)
    store = SqlAlchemyIdempotencyStore(engine)
    try:
        start = clock.now()
        first = await store.claim("me", "k", fingerprint="f", now=start, expires_at=start + LEASE)
        during = await store.claim(
            "me", "k", fingerprint="f", now=start + LEASE / 2, expires_at=start + LEASE * 1.5
        )
        after = start + LEASE + timedelta(seconds=1)
        taken = await store.claim("me", "k", fingerprint="f", now=after, expires_at=after + LEASE)
        async with engine.connect() as conn:
            expires = await conn.scalar(select(idempotency_keys.c.expires_at))
    finally:
        await engine.dispose()
    assert (first.state, during.state, taken.state) == (
        ClaimState.STARTED,
        ClaimState.IN_FLIGHT,
        ClaimState.STARTED,
    )
    assert expires == after + LEASE
