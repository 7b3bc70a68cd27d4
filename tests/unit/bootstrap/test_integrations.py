"""The integrations builder: webhooks always, e-mail with an SMTP server; senders replaceable."""

from __future__ import annotations

import asyncio
from pathlib import Path

from tessera.bootstrap.integrations import build_integrations
from tessera.bootstrap.overrides import Overrides
from tessera.bootstrap.settings import MailSettings, WebhookSettings
from tessera.infrastructure.persistence.engine import create_engine
from tests.support import FrozenClock


class IdleTask:
    def __init__(self, name: str) -> None:
        self.name = name

    async def run(self, stop: asyncio.Event) -> None:
        await stop.wait()


async def test_without_smtp_only_webhooks_are_wired(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'i.db'}")
    built = build_integrations(
        WebhookSettings(), MailSettings(), engine=engine, clock=FrozenClock(), overrides=Overrides()
    )
    assert [type(c).__name__ for c in built.consumers] == ["WebhookConsumer"]
    assert [task.name for task in built.tasks] == ["webhook-sender"]
    await engine.dispose()


async def test_with_smtp_mail_is_wired_and_overridden_senders_are_used(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'i.db'}")
    hooks, mail = IdleTask("fake-webhooks"), IdleTask("fake-mail")
    built = build_integrations(
        WebhookSettings(),
        MailSettings(smtp_url="smtp://127.0.0.1:1"),
        engine=engine,
        clock=FrozenClock(),
        overrides=Overrides(webhook_sender=hooks, mail_sender=mail),
    )
    assert [type(c).__name__ for c in built.consumers] == ["WebhookConsumer", "MailConsumer"]
    assert list(built.tasks) == [hooks, mail]
    await engine.dispose()
