"""The portal's login links by e-mail: queued in the outgoing mail like every notification,
so that the mail sender delivers them (with its retries) and a mail server that is down
delays a link but never fails the page that asked for it."""

from __future__ import annotations

import asyncio
import logging
import math
import uuid
from datetime import datetime

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncEngine

from tessera.application.ports.clock import Clock
from tessera.infrastructure.email.identity import MailIdentity
from tessera.infrastructure.email.templates import render
from tessera.infrastructure.persistence.engine import writer
from tessera.infrastructure.persistence.errors import database_errors
from tessera.infrastructure.persistence.tables import outgoing_mail

logger = logging.getLogger("tessera.mail")
KIND = "portal_login"


class OutgoingLoginLinkMailer:
    def __init__(
        self,
        engine: AsyncEngine,
        identity: MailIdentity,
        *,
        clock: Clock,
        team: str = "Support",
        wake: asyncio.Event | None = None,
    ) -> None:
        self._engine = writer(engine)
        self._identity = identity
        self._clock = clock
        self._team = team
        self._wake = wake

    async def send(self, *, recipient: str, name: str, link: str, expires_at: datetime) -> None:
        now = self._clock.now()
        minutes = max(1, math.ceil((expires_at - now).total_seconds() / 60))
        rendered = render(KIND, team=self._team, name=name, link=link, minutes=minutes)
        mail_id = uuid.uuid4()
        async with database_errors(), self._engine.begin() as conn:
            await conn.execute(
                insert(outgoing_mail).values(
                    event_id=str(mail_id),  # no event: a mail of its own, never re-queued
                    kind=KIND,
                    recipient=recipient,
                    subject=rendered.subject,
                    text_body=rendered.text,
                    html_body=rendered.html,
                    state="pending",
                    attempts=0,
                    next_attempt_at=now,
                    created_at=now,
                    ticket_id=None,
                    message_id=f"<login.{mail_id.hex}@{self._identity.domain}>",
                )
            )
        if self._wake is not None:
            self._wake.set()


class MailOffLoginLinkMailer:
    """Where no SMTP server is configured: no link can reach anyone; the log says why."""

    async def send(self, *, recipient: str, name: str, link: str, expires_at: datetime) -> None:
        logger.warning(
            "a portal login link was asked for, but e-mail is off (TESSERA_MAIL_SMTP_URL is "
            "not set): it cannot be sent"
        )
