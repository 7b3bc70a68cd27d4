"""Webhooks against a real HTTP receiver: signatures, retries on 500 and on timeout, the dead
state, redelivery, and a hanging target that holds up no other."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import orjson
import pytest
from sqlalchemy import select

from tessera.application.tickets.commands import CreateTicket
from tessera.application.webhooks.manage_webhooks import CreateWebhook
from tessera.bootstrap.container import Container, build_container
from tessera.bootstrap.events import run_tasks
from tessera.bootstrap.settings import (
    DatabaseSettings,
    Environment,
    EventSettings,
    Settings,
    WebhookSettings,
)
from tessera.domain.access.principal import Principal, Role
from tessera.domain.errors import DomainValidationError
from tessera.infrastructure.persistence.tables import webhook_deliveries
from tessera.infrastructure.webhooks.signing import verify
from tests.integration.event_harness import eventually
from tests.integration.receivers import Receiver, http_receiver

ADMIN = Principal(token_id=1, name="admin", role=Role.ADMIN)
SECRET = "whsec_test-secret-0123456789"
NEW = CreateTicket(
    title="Printer on fire", description="Flames everywhere.", customer_email="a@example.com"
)


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    async with http_receiver() as running:
        yield running


@pytest.fixture
async def tessera(database_url: str) -> AsyncIterator[Container]:
    """The embedded shape running its background tasks: relay, consumers, webhook sender."""
    settings = Settings(
        env=Environment.TEST,
        database=DatabaseSettings(url=database_url),
        events=EventSettings(relay_poll_seconds=0.05),
        webhooks=WebhookSettings(
            allow_private_targets=True, timeout_seconds=1.0, retry_seconds=0.05, max_attempts=3
        ),
    )
    container = build_container(settings)
    stop = asyncio.Event()
    running = asyncio.create_task(run_tasks(container.serve_tasks(), stop, grace=5))
    yield container
    stop.set()
    await running
    await container.close()


async def _subscribe(container: Container, url: str, **fields: Any) -> int:
    webhook = await container.services.create_webhook(
        CreateWebhook(url=url, secret=SECRET, **fields), principal=ADMIN
    )
    return webhook.id


async def _deliveries(container: Container, webhook_id: int) -> list[Any]:
    return await container.services.list_deliveries(
        webhook_id, principal=ADMIN, after_id=0, limit=50
    )


async def _settled(container: Container, webhook_id: int, state: str, *, within: float) -> Any:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        found = await _deliveries(container, webhook_id)
        if found and all(d.state == state for d in found):
            return found
        await asyncio.sleep(0.05)
    pytest.fail(f"deliveries of webhook {webhook_id} did not become {state}: {found}")


async def test_a_delivery_is_a_signed_cloudevent(tessera: Container, receiver: Receiver) -> None:
    hook = await _subscribe(tessera, f"{receiver.base_url}/ok", event_types=("ticket.created",))
    ticket = await tessera.services.create_ticket(NEW, principal=ADMIN)

    [delivery] = await _settled(tessera, hook, "succeeded", within=10)
    [request] = receiver.at("/ok")
    event = orjson.loads(request.body)
    assert event["type"] == "ticket.created"
    assert event["subject"] == str(ticket.id)
    assert request.headers["content-type"] == "application/cloudevents+json"
    assert request.headers["tessera-event-id"] == event["id"] == delivery.event_id
    signature = request.headers["tessera-signature"]
    assert verify(SECRET, request.body, signature)
    assert not verify("another secret", request.body, signature)
    assert not verify(SECRET, request.body + b" ", signature)
    assert not verify(SECRET, request.body, signature, now=time.time() + 3600)  # replayed late


async def test_a_500_is_retried_until_it_succeeds(tessera: Container, receiver: Receiver) -> None:
    receiver.script["/flaky"] = [500, 503, 200]
    hook = await _subscribe(tessera, f"{receiver.base_url}/flaky")
    await tessera.services.create_ticket(NEW, principal=ADMIN)

    [delivery] = await _settled(tessera, hook, "succeeded", within=15)
    assert [a.status_code for a in delivery.attempt_log] == [500, 503, 200]
    assert delivery.attempts == 3
    assert len(receiver.at("/flaky")) == 3


async def test_a_timeout_is_retried(tessera: Container, receiver: Receiver) -> None:
    receiver.script["/slow"] = [0, 200]  # hangs past the 1 s timeout, then answers
    hook = await _subscribe(tessera, f"{receiver.base_url}/slow")
    await tessera.services.create_ticket(NEW, principal=ADMIN)

    [delivery] = await _settled(tessera, hook, "succeeded", within=15)
    first, second = delivery.attempt_log
    assert first.status_code is None
    assert "timed out" in (first.error or "")
    assert second.status_code == 200


async def test_out_of_attempts_is_dead_until_redelivered(
    tessera: Container, receiver: Receiver
) -> None:
    receiver.script["/down"] = [500]
    hook = await _subscribe(tessera, f"{receiver.base_url}/down")
    await tessera.services.create_ticket(NEW, principal=ADMIN)

    [dead] = await _settled(tessera, hook, "dead", within=15)
    assert dead.attempts == 3
    assert [a.status_code for a in dead.attempt_log] == [500, 500, 500]

    receiver.script["/down"] = [200]
    revived = await tessera.services.redeliver(hook, dead.id, principal=ADMIN)
    assert (revived.state, revived.attempts) == ("pending", 0)
    tessera.background_tasks[0]._wake.set()  # type: ignore[attr-defined]
    [delivered] = await _settled(tessera, hook, "succeeded", within=10)
    assert [a.status_code for a in delivered.attempt_log] == [500, 500, 500, 200]


async def test_a_hanging_target_does_not_hold_up_another(
    tessera: Container, receiver: Receiver
) -> None:
    receiver.script["/hang"] = [0]
    hanging = await _subscribe(tessera, f"{receiver.base_url}/hang")
    healthy = await _subscribe(tessera, f"{receiver.base_url}/ok")

    for _ in range(3):
        await tessera.services.create_ticket(NEW, principal=ADMIN)
    started = time.monotonic()
    await eventually(lambda: len(receiver.at("/ok")) == 3, within=10, what="the healthy target")
    assert time.monotonic() - started < 1.0  # well inside the hanging target's 1 s timeout
    assert receiver.at("/hang")  # which was being tried at the same time
    await _settled(tessera, healthy, "succeeded", within=5)
    assert len(await _deliveries(tessera, hanging)) == 3


async def test_targets_on_private_addresses_are_refused_unless_allowed(
    database_url: str,
) -> None:
    container = build_container(
        Settings(env=Environment.TEST, database=DatabaseSettings(url=database_url))
    )
    try:
        for url in (
            "http://127.0.0.1:9/hook",
            "http://localhost/hook",
            "http://10.0.0.7/hook",
            "http://[::1]/hook",
            "http://169.254.169.254/latest",
            "ftp://example.com/hook",
        ):
            with pytest.raises(DomainValidationError):
                await container.services.create_webhook(CreateWebhook(url=url), principal=ADMIN)
        kept = await container.services.create_webhook(
            CreateWebhook(url="https://hooks.example.com/x"), principal=ADMIN
        )
        assert kept.secret.startswith("whsec_")
        async with container.engine.connect() as conn:
            assert (await conn.execute(select(webhook_deliveries))).first() is None
    finally:
        await container.close()
