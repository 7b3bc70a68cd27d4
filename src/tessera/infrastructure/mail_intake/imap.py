"""The IMAP intake (``aioimaplib``): one reader per IMAP mailbox, on one worker at a time (a
lease per mailbox), fetches each unseen message, keeps it, then flags it ``\\Seen``; it then
waits in IDLE where the server offers it, else polls. TLS is implicit (``tls``), upgraded
(``starttls``) or, on a trusted network only, none."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl
from datetime import timedelta
from typing import Any

from aioimaplib import IMAP4, IMAP4_SSL
from aioimaplib.aioimaplib import Command

from tessera.application.mail.receive_mail import AcceptMailHandler
from tessera.application.ports.clock import Clock
from tessera.application.ports.leases import LeaseStore
from tessera.domain.mail.mailbox import ImapIntake, ImapTls
from tessera.infrastructure.mail_intake.state import IntakeState, record_received
from tessera.infrastructure.waiting import sleep_unless

logger = logging.getLogger("tessera.mail")


class ImapError(Exception):
    """The server refused a command; the message names the command (never the password)."""


def _ok(response: Any, what: str) -> Any:
    if response.result != "OK":
        raise ImapError(f"{what} refused by the IMAP server")
    return response


async def connect(
    intake: ImapIntake, *, connect_timeout: float, tls: ssl.SSLContext | None
) -> IMAP4:
    """Logged in, with the folder selected. Raises ImapError, OSError or TimeoutError."""
    context = tls or ssl.create_default_context()
    if intake.tls is ImapTls.TLS:
        client: IMAP4 = IMAP4_SSL(
            intake.host, intake.port, timeout=connect_timeout, ssl_context=context
        )
    else:
        client = IMAP4(intake.host, intake.port, timeout=connect_timeout)
    await client.wait_hello_from_server()
    if intake.tls is ImapTls.STARTTLS:
        await _starttls(client, context, host=intake.host)
    _ok(await client.login(intake.user, intake.password), "LOGIN")
    _ok(await client.select(intake.folder), "SELECT")
    return client


async def _starttls(client: IMAP4, context: ssl.SSLContext, *, host: str) -> None:
    """aioimaplib has no STARTTLS of its own: the command, then the same protocol object
    over the upgraded transport, then the capabilities again (RFC 3501 6.2.1)."""
    protocol = client.protocol
    command = Command("STARTTLS", protocol.new_tag(), loop=protocol.loop)
    _ok(await asyncio.wait_for(protocol.execute(command), timeout=30), "STARTTLS")
    loop = asyncio.get_running_loop()
    upgraded = await loop.start_tls(protocol.transport, protocol, context, server_hostname=host)
    protocol.transport = upgraded
    await protocol.capability()


class ImapReader:
    """Reads one mailbox while it holds the mailbox's lease."""

    def __init__(
        self,
        *,
        mailbox_id: int,
        intake: ImapIntake,
        accept: AcceptMailHandler,
        leases: LeaseStore,
        clock: Clock,
        holder: str,
        state: IntakeState,
        wake: asyncio.Event,
        poll_seconds: float,
        timeout: float = 30.0,
        tls: ssl.SSLContext | None = None,
    ) -> None:
        self._id = mailbox_id
        self._intake = intake
        self._accept = accept
        self._leases = leases
        self._clock = clock
        self._holder = holder
        self._state = state
        self._wake = wake
        self._poll = poll_seconds
        self._timeout = timeout
        self._tls = tls
        self._lease = f"mail-imap:{mailbox_id}"
        self._ttl = timedelta(seconds=max(30.0, 3 * poll_seconds))

    async def _hold(self) -> bool:
        return await self._leases.acquire(
            self._lease, holder=self._holder, now=self._clock.now(), ttl=self._ttl
        )

    async def run(self, stop: asyncio.Event) -> None:
        backoff = 1.0
        while not stop.is_set():
            try:
                if not await self._hold():
                    await sleep_unless(stop, self._ttl.total_seconds() / 3)
                    continue
                await self._session(stop)
                backoff = 1.0
            except Exception as error:  # noqa: BLE001 - shown in /readyz, tried again
                self._state.failed(self._id, f"{type(error).__name__}: {error}"[:300])
                logger.warning("IMAP mailbox %s: %s", self._id, type(error).__name__)
                await sleep_unless(stop, backoff)
                backoff = min(backoff * 2, 60.0)
        await self._leases.release(self._lease, holder=self._holder)

    async def _session(self, stop: asyncio.Event) -> None:
        client = await connect(self._intake, connect_timeout=self._timeout, tls=self._tls)
        self._state.connected(self._id)
        try:
            while not stop.is_set() and await self._hold():
                # Again until nothing is new: what arrived during a fetch was announced
                # then, and IDLE announces only what arrives after it starts.
                while await self.fetch_unseen(client) and not stop.is_set():
                    pass
                if client.has_capability("IDLE"):
                    await self._idle(client, stop)
                else:
                    await sleep_unless(stop, self._poll)
        finally:
            with contextlib.suppress(Exception):  # the connection is going anyway
                await asyncio.wait_for(client.logout(), timeout=5)

    async def fetch_unseen(self, client: IMAP4) -> int:
        """Keep every unseen message, then flag it seen: a message is never flagged before
        it is stored, and one stored twice (a crash in between) is a ``duplicate``."""
        found = _ok(await client.uid_search("UNSEEN"), "SEARCH")
        uids = [uid for line in found.lines[:1] for uid in bytes(line).split() if uid.isdigit()]
        for uid in (u.decode() for u in uids):
            fetched = _ok(await client.uid("fetch", uid, "(BODY.PEEK[])"), "FETCH")
            raw = next((bytes(x) for x in fetched.lines if isinstance(x, bytearray)), None)
            if raw is None:
                continue
            await self._accept(mailbox_id=self._id, raw=raw)
            record_received()
            self._wake.set()
            _ok(await client.uid("store", uid, "+FLAGS.SILENT", "(\\Seen)"), "STORE")
        return len(uids)

    async def _idle(self, client: IMAP4, stop: asyncio.Event) -> None:
        """Until the server tells of a change, ``stop``, or the poll interval (which keeps the
        lease renewed and the connection checked)."""
        idle = await client.idle_start(timeout=self._poll)
        push = asyncio.ensure_future(client.wait_server_push(timeout=self._poll + 5))
        stopping = asyncio.ensure_future(stop.wait())
        try:
            await asyncio.wait({push, stopping}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            push.cancel()
            stopping.cancel()
        client.idle_done()
        await asyncio.wait_for(idle, timeout=self._timeout)
