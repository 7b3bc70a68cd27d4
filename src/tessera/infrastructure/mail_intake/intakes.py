"""The intakes' supervisor: one IMAP reader per IMAP mailbox, started, restarted on a change
of its configuration, and stopped when the mailbox is removed."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

from tessera.application.ports.inbound_mail import MailboxStore
from tessera.domain.mail.mailbox import ImapIntake
from tessera.infrastructure.mail_intake.imap import ImapReader
from tessera.infrastructure.mail_intake.state import IntakeState
from tessera.infrastructure.waiting import sleep_unless

logger = logging.getLogger("tessera.mail")

ReaderFactory = Callable[[int, ImapIntake], ImapReader]


class ImapIntakes:
    name = "mail-imap"

    def __init__(
        self,
        *,
        mailboxes: MailboxStore,
        reader: ReaderFactory,
        state: IntakeState,
        refresh_seconds: float = 10.0,
    ) -> None:
        self._mailboxes = mailboxes
        self._reader = reader
        self._state = state
        self._refresh = refresh_seconds
        self._running: dict[int, tuple[ImapIntake, asyncio.Task[None], asyncio.Event]] = {}

    async def _configured(self) -> dict[int, ImapIntake]:
        found: dict[int, ImapIntake] = {}
        after = 0
        while page := await self._mailboxes.page(after_id=after, limit=100):
            found.update((m.id, m.intake) for m in page if isinstance(m.intake, ImapIntake))
            after = page[-1].id
        return found

    async def _stop(self, mailbox_id: int) -> None:
        _, task, stop = self._running.pop(mailbox_id)
        stop.set()
        with contextlib.suppress(Exception, asyncio.CancelledError):
            await asyncio.wait_for(task, timeout=10)
        self._state.forget(mailbox_id)

    async def reconcile(self) -> None:
        configured = await self._configured()
        for mailbox_id, (intake, task, _) in list(self._running.items()):
            if configured.get(mailbox_id) != intake or task.done():
                await self._stop(mailbox_id)
        for mailbox_id, intake in configured.items():
            if mailbox_id not in self._running:
                stop = asyncio.Event()
                task = asyncio.create_task(self._reader(mailbox_id, intake).run(stop))
                self._running[mailbox_id] = (intake, task, stop)

    async def run(self, stop: asyncio.Event) -> None:
        try:
            while not stop.is_set():
                try:
                    await self.reconcile()
                except Exception:
                    logger.exception("reading the mailboxes' configuration failed")
                await sleep_unless(stop, self._refresh)
        finally:
            for mailbox_id in list(self._running):
                await self._stop(mailbox_id)
