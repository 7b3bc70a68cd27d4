"""What reaches outside systems on events: webhooks always, e-mail when SMTP is configured."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncEngine

from tessera.application.ports.clock import Clock
from tessera.application.ports.events import BackgroundTask, EventConsumer
from tessera.bootstrap.overrides import Overrides
from tessera.bootstrap.settings import MailSettings, WebhookSettings
from tessera.infrastructure.email.consumer import MailConsumer
from tessera.infrastructure.email.sender import MailSender, SmtpConfig, SmtpTls
from tessera.infrastructure.telemetry.metrics import record_webhook
from tessera.infrastructure.webhooks.consumer import WebhookConsumer
from tessera.infrastructure.webhooks.sender import WebhookPolicy, WebhookSender

logger = logging.getLogger("tessera")


@dataclass(frozen=True, slots=True, kw_only=True)
class Integrations:
    consumers: tuple[EventConsumer, ...]
    # The senders open their HTTP client / SMTP connection inside ``run`` and close it there.
    tasks: tuple[BackgroundTask, ...]


def build_integrations(
    webhooks: WebhookSettings,
    mail: MailSettings,
    *,
    engine: AsyncEngine,
    clock: Clock,
    overrides: Overrides,
) -> Integrations:
    webhook_wake = asyncio.Event()
    consumers: list[EventConsumer] = [WebhookConsumer(engine, wake=webhook_wake)]
    tasks: list[BackgroundTask] = [
        overrides.webhook_sender
        or WebhookSender(
            engine,
            policy=WebhookPolicy(
                timeout=webhooks.timeout_seconds,
                max_attempts=webhooks.max_attempts,
                retry_base=timedelta(seconds=webhooks.retry_seconds),
                concurrency=webhooks.concurrency,
                per_target=webhooks.per_target,
                allow_private=webhooks.allow_private_targets,
            ),
            wake=webhook_wake,
            on_outcome=record_webhook,
        ),
    ]
    if mail.smtp_url:
        mail_wake = asyncio.Event()
        consumers.append(MailConsumer(engine, team=mail.team, wake=mail_wake, clock=clock))
        config = SmtpConfig(
            url=mail.smtp_url,
            tls=SmtpTls(mail.tls.value),
            sender=mail.sender,
            timeout=mail.timeout_seconds,
            max_attempts=mail.max_attempts,
            retry_base=timedelta(seconds=mail.retry_seconds),
        )
        tasks.append(
            overrides.mail_sender or MailSender(engine, config, wake=mail_wake, clock=clock)
        )
    else:
        logger.info("e-mail notifications are off (TESSERA_MAIL_SMTP_URL is not set)")
    return Integrations(consumers=tuple(consumers), tasks=tuple(tasks))
