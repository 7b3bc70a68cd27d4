"""Webhooks against a real HTTP receiver: signatures, retries on 500 and on timeout, the dead
state, redelivery, and a hanging target that holds up no other."""

from __future__ import annotations

import asyncio
import base64
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import orjson
import pytest
from sqlalchemy import insert, select
from standardwebhooks import WebhookVerificationError

from tessera.application.attachments.commands import UploadFile
from tessera.application.comments.commands import AddComment
from tessera.application.tickets.commands import CreateTicket
from tessera.application.webhooks.manage_webhooks import (
    CreateWebhook,
    UpdateWebhook,
    WebhookDisabledError,
)
from tessera.bootstrap.container import Container, Overrides, build_container
from tessera.bootstrap.events import run_tasks
from tessera.bootstrap.settings import (
    DatabaseSettings,
    Environment,
    EventSettings,
    Settings,
    StorageSettings,
    WebhookSettings,
)
from tessera.domain.access.principal import Principal, Role
from tessera.domain.errors import DomainValidationError
from tessera.infrastructure.persistence.tables import webhook_deliveries
from tessera.infrastructure.webhooks.sender import WebhookPolicy, WebhookSender
from tessera.infrastructure.webhooks.targets import system_resolver
from tests.integration.event_harness import eventually
from tests.integration.receivers import Receiver, http_receiver, verified
from tests.support import FrozenClock, sdk_cloudevent

ADMIN = Principal(token_id=1, user_id=1, name="admin", role=Role.ADMIN)
SECRET = "whsec_" + base64.b64encode(b"a test key of thirty-two bytes!!").decode()
NEW = CreateTicket(
    title="Printer on fire", description="Flames everywhere.", customer_email="a@example.com"
)


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    async with http_receiver() as running:
        yield running


@pytest.fixture
async def tessera(database_url: str, tmp_path: Path) -> AsyncIterator[Container]:
    """The embedded shape running its background tasks: relay, consumers, webhook sender."""
    settings = Settings(
        env=Environment.TEST,
        database=DatabaseSettings(url=database_url),
        storage=StorageSettings(directory=tmp_path / "attachments"),
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
    read = sdk_cloudevent(request.body)  # the CloudEvents SDK reads the body
    assert (read.get_source(), read.get_extension("sequence")) == ("/tessera", "0000000001")
    assert request.headers["webhook-id"] == event["id"]  # the same on every attempt
    assert verified(request, SECRET) == event  # the reference library's check
    for tampered in (
        replace(request, body=request.body + b" "),
        replace(request, headers={**request.headers, "webhook-id": "another"}),
    ):
        with pytest.raises(WebhookVerificationError):
            verified(tampered, SECRET)
    other = "whsec_" + base64.b64encode(b"another key of thirty-two bytes!").decode()
    with pytest.raises(WebhookVerificationError):
        verified(request, other)
    late = str(int(request.headers["webhook-timestamp"]) - 3600)  # a replay an hour on
    with pytest.raises(WebhookVerificationError, match="too old"):
        verified(replace(request, headers={**request.headers, "webhook-timestamp": late}), SECRET)


async def test_a_comment_delivery_carries_its_files_metadata_never_bytes(
    tessera: Container, receiver: Receiver
) -> None:
    hook = await _subscribe(tessera, f"{receiver.base_url}/ok", event_types=("ticket.commented",))
    ticket = await tessera.services.create_ticket(NEW, principal=ADMIN)

    async def chunks() -> AsyncIterator[bytes]:
        yield b"secret bytes"

    uploaded = await tessera.services.upload_file(
        UploadFile(chunks=chunks(), filename="a.txt", content_type="text/plain"), principal=ADMIN
    )
    await tessera.services.add_comment(
        AddComment(ticket_id=ticket.id, body="See the file.", uploads=(uploaded.token,)),
        principal=ADMIN,
    )
    await _settled(tessera, hook, "succeeded", within=10)
    [request] = receiver.at("/ok")
    file = uploaded.attachment
    assert orjson.loads(request.body)["data"]["attachments"] == [
        {
            "id": file.id,
            "filename": "a.txt",
            "content_type": "text/plain",
            "size": 12,
            "sha256": file.sha256,
        }
    ]
    assert b"secret bytes" not in request.body


async def test_a_500_is_retried_until_it_succeeds(tessera: Container, receiver: Receiver) -> None:
    receiver.script["/flaky"] = [500, 503, 200]
    hook = await _subscribe(tessera, f"{receiver.base_url}/flaky")
    await tessera.services.create_ticket(NEW, principal=ADMIN)

    [delivery] = await _settled(tessera, hook, "succeeded", within=15)
    assert [a.status_code for a in delivery.attempt_log] == [500, 503, 200]
    assert delivery.attempts == 3
    assert len(receiver.at("/flaky")) == 3


@pytest.mark.slow  # the target holds each attempt until its timeout
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
    disabled = await tessera.services.get_webhook(hook, principal=ADMIN)
    assert not disabled.active
    assert f"delivery {dead.id} failed 3 attempts" in (disabled.disabled_reason or "")
    assert "HTTP 500" in (disabled.disabled_reason or "")
    with pytest.raises(WebhookDisabledError):
        await tessera.services.redeliver(hook, dead.id, principal=ADMIN)
    await tessera.services.create_ticket(NEW, principal=ADMIN)  # queues nothing while disabled
    await asyncio.sleep(0.5)
    assert len(await _deliveries(tessera, hook)) == 1

    receiver.script["/down"] = [200]
    enabled = await tessera.services.update_webhook(
        hook, UpdateWebhook(active=True), principal=ADMIN
    )
    assert (enabled.active, enabled.disabled_reason, enabled.disabled_at) == (True, None, None)
    revived = await tessera.services.redeliver(hook, dead.id, principal=ADMIN)
    assert (revived.state, revived.attempts) == ("pending", 0)
    tessera.background_tasks[0]._wake.set()  # type: ignore[attr-defined]
    [delivered] = await _settled(tessera, hook, "succeeded", within=10)
    assert [a.status_code for a in delivered.attempt_log] == [500, 500, 500, 200]


# Asserts that the fast target is served within a second: run alone, after the parallel run.
@pytest.mark.timing
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
            "http://2130706433/hook",
            "http://[::ffff:127.0.0.1]/hook",
            "ftp://example.com/hook",
        ):
            with pytest.raises(DomainValidationError):
                await container.services.create_webhook(CreateWebhook(url=url), principal=ADMIN)
        kept = await container.services.create_webhook(
            CreateWebhook(url="https://hooks.example.com/x"), principal=ADMIN
        )
        assert kept.secret.startswith("whsec_")
        assert len(base64.b64decode(kept.secret.removeprefix("whsec_"), validate=True)) == 32
        async with container.engine.connect() as conn:
            assert (await conn.execute(select(webhook_deliveries))).first() is None
    finally:
        await container.close()


@pytest.fixture
async def quiet(database_url: str) -> AsyncIterator[Container]:
    """No background tasks, private targets refused: the test drives a WebhookSender."""
    container = build_container(
        Settings(env=Environment.TEST, database=DatabaseSettings(url=database_url))
    )
    yield container
    await container.close()


class FixedResolver:
    """Every name resolves to ``address``: a stand-in for DNS that answers what a test needs."""

    def __init__(self, address: str) -> None:
        self.address = address
        self.lookups: list[tuple[str, int]] = []

    async def __call__(self, host: str, port: int) -> list[str]:
        self.lookups.append((host, port))
        return [self.address]


async def _queue_delivery(container: Container, webhook_id: int, *, now: datetime) -> None:
    """A delivery as the webhooks consumer queues it for an event."""
    event_id = str(uuid.uuid4())
    async with container.engine.begin() as conn:
        await conn.execute(
            insert(webhook_deliveries).values(
                webhook_id=webhook_id,
                event_id=event_id,
                event_type="ticket.created",
                payload={"specversion": "1.0", "id": event_id, "type": "ticket.created"},
                state="pending",
                attempts=0,
                next_attempt_at=now,
                created_at=now,
            )
        )


def _sender(
    container: Container,
    *,
    allow_private: bool = False,
    resolver: Any = system_resolver,
    clock: FrozenClock | None = None,
) -> WebhookSender:
    policy = WebhookPolicy(
        timeout=2.0, max_attempts=3, retry_base=timedelta(seconds=10), allow_private=allow_private
    )
    return WebhookSender(container.engine, policy=policy, resolver=resolver, clock=clock)


async def test_a_host_that_does_not_resolve_is_retried_with_backoff_until_dead(
    quiet: Container,
) -> None:
    clock = FrozenClock(datetime.now(UTC))
    hook = await _subscribe(quiet, "https://hooks.tessera.invalid/x")  # RFC 2606: never resolves
    await _queue_delivery(quiet, hook, now=clock.now())

    async with _sender(quiet, clock=clock) as sender:
        for attempt in (1, 2, 3):
            assert await sender.send_due() == 1
            await sender.drain()
            [delivery] = await _deliveries(quiet, hook)
            assert delivery.attempts == attempt
            if attempt < 3:
                assert delivery.state == "pending"
                assert delivery.next_attempt_at > clock.now()  # backoff
                assert await sender.send_due() == 0  # nothing before its time
                clock.advance(hours=2)

    assert delivery.state == "dead"
    assert delivery.next_attempt_at is None
    assert [a.attempt for a in delivery.attempt_log] == [1, 2, 3]
    for logged in delivery.attempt_log:
        assert logged.status_code is None
        assert "cannot resolve hooks.tessera.invalid" in (logged.error or "")
    assert delivery.last_error == delivery.attempt_log[-1].error


async def test_the_running_sender_counts_an_unresolvable_host_until_it_is_dead(
    database_url: str,
) -> None:
    settings = Settings(
        env=Environment.TEST,
        database=DatabaseSettings(url=database_url),
        events=EventSettings(relay_poll_seconds=0.05),
        webhooks=WebhookSettings(timeout_seconds=2.0, retry_seconds=0.05, max_attempts=3),
    )
    container = build_container(settings)
    stop = asyncio.Event()
    running = asyncio.create_task(run_tasks(container.serve_tasks(), stop, grace=5))
    try:
        hook = await _subscribe(container, "https://hooks.tessera.invalid/x")
        await container.services.create_ticket(NEW, principal=ADMIN)
        [dead] = await _settled(container, hook, "dead", within=20)
        assert dead.attempts == 3
        assert all("cannot resolve" in (a.error or "") for a in dead.attempt_log)
    finally:
        stop.set()
        await running
        await container.close()


async def test_a_public_name_resolving_to_loopback_is_refused_when_connecting(
    quiet: Container, receiver: Receiver
) -> None:
    port = urlsplit(receiver.base_url).port
    hook = await _subscribe(quiet, f"http://hooks.example.com:{port}/ok")  # a name: accepted
    await _queue_delivery(quiet, hook, now=datetime.now(UTC))
    resolver = FixedResolver("127.0.0.1")

    async with _sender(quiet, resolver=resolver) as sender:
        assert await sender.send_due() == 1
        await sender.drain()

    [delivery] = await _deliveries(quiet, hook)
    assert (delivery.state, delivery.attempts) == ("dead", 1)
    assert "private or loopback address (127.0.0.1)" in (delivery.attempt_log[0].error or "")
    assert resolver.lookups == [("hooks.example.com", port)]
    assert receiver.received == []  # no connection reached the receiver


async def test_with_private_targets_allowed_the_checked_address_gets_the_delivery(
    quiet: Container, receiver: Receiver
) -> None:
    port = urlsplit(receiver.base_url).port
    hook = await _subscribe(quiet, f"http://hooks.example.com:{port}/ok")
    await _queue_delivery(quiet, hook, now=datetime.now(UTC))
    resolver = FixedResolver("127.0.0.1")

    async with _sender(quiet, allow_private=True, resolver=resolver) as sender:
        assert await sender.send_due() == 1
        await sender.drain()

    [delivery] = await _deliveries(quiet, hook)
    assert (delivery.state, delivery.attempts) == ("succeeded", 1)
    [request] = receiver.at("/ok")
    assert request.headers["host"] == f"hooks.example.com:{port}"  # the URL's name, kept
    assert resolver.lookups == [("hooks.example.com", port)]  # resolved once, for the connect


@pytest.fixture
async def clocked(database_url: str) -> AsyncIterator[tuple[Container, FrozenClock]]:
    """No background tasks; the use cases read a clock the test moves (now, at first)."""
    clock = FrozenClock(datetime.now(UTC))
    container = build_container(
        Settings(
            env=Environment.TEST,
            database=DatabaseSettings(url=database_url),
            webhooks=WebhookSettings(allow_private_targets=True),
        ),
        overrides=Overrides(clock=clock),
    )
    yield container, clock
    await container.close()


async def _deliver_once(container: Container, clock: FrozenClock) -> Any:
    """One delivery to the (only) webhook at the clock's time, succeeded."""
    hook = await container.services.list_webhooks(principal=ADMIN, after_id=0, limit=1)
    await _queue_delivery(container, hook[0].id, now=clock.now())
    async with _sender(container, allow_private=True, clock=clock) as sender:
        assert await sender.send_due() == 1
        await sender.drain()
    [delivery] = await _deliveries(container, hook[0].id)
    assert delivery.state == "succeeded"
    return delivery


@pytest.mark.parametrize("hours_since_rotation", [1, 23.9])
async def test_within_a_day_of_a_rotation_old_and_new_secrets_both_verify(
    clocked: tuple[Container, FrozenClock], receiver: Receiver, hours_since_rotation: float
) -> None:
    container, clock = clocked
    hook = await _subscribe(container, f"{receiver.base_url}/rotating")
    now = clock.now()
    clock.advance(hours=-hours_since_rotation)
    rotated = await container.services.rotate_webhook_secret(hook, principal=ADMIN)
    assert rotated.secret != SECRET
    clock.current = now  # the receiver's library checks the timestamp against real time

    await _deliver_once(container, clock)
    [request] = receiver.at("/rotating")
    new, old = request.headers["webhook-signature"].split(" ")
    assert new.startswith("v1,") and old.startswith("v1,")
    assert verified(request, rotated.secret) == verified(request, SECRET)  # both verify
    stranger = "whsec_" + base64.b64encode(b"never the key of this webhook!!!").decode()
    with pytest.raises(WebhookVerificationError):
        verified(request, stranger)


async def test_a_day_after_a_rotation_only_the_new_secret_verifies(
    clocked: tuple[Container, FrozenClock], receiver: Receiver
) -> None:
    container, clock = clocked
    hook = await _subscribe(container, f"{receiver.base_url}/rotated")
    now = clock.now()
    clock.advance(hours=-24)
    rotated = await container.services.rotate_webhook_secret(hook, principal=ADMIN)
    clock.current = now

    await _deliver_once(container, clock)
    [request] = receiver.at("/rotated")
    assert " " not in request.headers["webhook-signature"]
    assert verified(request, rotated.secret)["specversion"] == "1.0"
    with pytest.raises(WebhookVerificationError, match="No matching signature"):
        verified(request, SECRET)


async def test_retries_span_more_than_a_day_then_the_webhook_is_disabled(
    clocked: tuple[Container, FrozenClock], receiver: Receiver
) -> None:
    """The default policy, driven by the clock: no real waiting."""
    container, clock = clocked
    receiver.script["/failing"] = [503]
    hook = await _subscribe(container, f"{receiver.base_url}/failing")
    await _queue_delivery(container, hook, now=clock.now())
    policy = WebhookPolicy(allow_private=True)
    started = clock.now()
    async with WebhookSender(container.engine, policy=policy, clock=clock) as sender:
        for attempt in range(1, policy.max_attempts + 1):
            assert await sender.send_due() == 1
            await sender.drain()
            [delivery] = await _deliveries(container, hook)
            assert delivery.attempts == attempt
            if attempt == policy.max_attempts:
                break
            assert delivery.state == "pending"
            ceiling = min(
                policy.retry_cap, policy.retry_base * policy.retry_factor ** (attempt - 1)
            )
            wait = delivery.next_attempt_at - clock.now()
            assert ceiling * policy.retry_floor <= wait <= ceiling, (attempt, wait)
            clock.current = delivery.next_attempt_at - timedelta(seconds=1)
            assert await sender.send_due() == 0  # not before its time
            clock.current = delivery.next_attempt_at

    assert (delivery.state, delivery.next_attempt_at) == ("dead", None)
    assert len(receiver.at("/failing")) == policy.max_attempts == 10
    span = delivery.attempt_log[-1].started_at - delivery.attempt_log[0].started_at
    assert span >= timedelta(hours=24), span
    assert clock.now() - started >= timedelta(hours=24)
    disabled = await container.services.get_webhook(hook, principal=ADMIN)
    assert not disabled.active
    assert disabled.disabled_at == clock.now()
    assert "failed 10 attempts" in (disabled.disabled_reason or "")
    assert "HTTP 503" in (disabled.disabled_reason or "")


async def test_a_webhook_that_still_delivers_other_events_is_not_disabled(
    clocked: tuple[Container, FrozenClock], receiver: Receiver
) -> None:
    container, clock = clocked
    receiver.script["/picky"] = [500, 200, 500]  # first fails, second works, the rest fail
    hook = await _subscribe(container, f"{receiver.base_url}/picky")
    await _queue_delivery(container, hook, now=clock.now())
    await _queue_delivery(container, hook, now=clock.now() + timedelta(seconds=1))
    policy = WebhookPolicy(allow_private=True, max_attempts=2)
    async with WebhookSender(container.engine, policy=policy, clock=clock) as sender:
        for _ in range(3):
            clock.advance(hours=1)
            await sender.send_due()
            await sender.drain()
    states = sorted(d.state for d in await _deliveries(container, hook))
    assert states == ["dead", "succeeded"]
    assert (await container.services.get_webhook(hook, principal=ADMIN)).active
