"""PostgreSQL's LISTEN/NOTIFY as the live feed's wake-up.

The relay sends a NOTIFY in the transaction that gives committed events their feed positions,
so PostgreSQL delivers it at commit, to every replica at once, and only when the feed really
grew. One dedicated connection per process listens (outside the pool: it is held for as long
as the process runs). While it is down the follower's slow poll still finds every entry.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

import asyncpg
from sqlalchemy.engine import make_url

from tessera.application.ports.clock import Clock
from tessera.infrastructure.waiting import unless_stopped, wait_any

logger = logging.getLogger("tessera.live")

# How the listening connection shows in pg_stat_activity.
APPLICATION_NAME = "tessera-live-feed"


def feed_channel(namespace: str) -> str:
    """The NOTIFY channel of one deployment's feed (two may share a database server)."""
    return f"{namespace}_feed"


def asyncpg_dsn(url: str) -> str:
    """A SQLAlchemy ``postgresql+asyncpg://`` URL as asyncpg itself takes it."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


class PostgresFeedListener:
    """A wake source (see ``FeedFollower``): LISTENs on ``channel`` and wakes the follower on
    every notification, reconnecting after ``retry_seconds`` when the connection drops.

    A connection can die without a word (a network partition): it is checked every
    ``check_seconds``, and a check that takes longer than ``timeout`` counts as a drop.
    """

    def __init__(
        self,
        dsn: str,
        channel: str,
        *,
        clock: Clock,
        retry_seconds: float = 2.0,
        check_seconds: float = 15.0,
        timeout: float = 5.0,
    ) -> None:
        self._dsn = dsn
        self._channel = channel
        self._clock = clock
        self._retry = retry_seconds
        self._check = check_seconds
        self._timeout = timeout
        # Set while LISTENing; ``dropped`` once a connection that listened was lost.
        self.listening = asyncio.Event()
        self.dropped = asyncio.Event()

    async def __call__(self, wake: Callable[[], None], stop: asyncio.Event) -> None:
        failing = False
        while not stop.is_set():
            try:
                connection = await unless_stopped(
                    stop,
                    asyncpg.connect(
                        self._dsn,
                        timeout=self._timeout,
                        server_settings={"application_name": APPLICATION_NAME},
                    ),
                )
            except Exception as error:  # noqa: BLE001 - any failure: the poll goes on, retry
                if not failing:
                    logger.warning("live feed: LISTEN connection failed, polling: %s", error)
                    failing = True
                await wait_any(stop, seconds=self._retry, clock=self._clock)
                continue
            if connection is None:
                return
            if failing:
                logger.warning("live feed: LISTEN connection works again")
                failing = False
            try:
                await self._listen(connection, wake, stop)
            except Exception as error:  # noqa: BLE001 - a lost connection: reconnect
                logger.warning("live feed: LISTEN connection lost, polling: %s", error)
                failing = True
                self.dropped.set()
            finally:
                self.listening.clear()
                if not connection.is_closed():
                    connection.terminate()
            await wait_any(stop, seconds=self._retry, clock=self._clock)

    async def _listen(
        self, connection: asyncpg.Connection, wake: Callable[[], None], stop: asyncio.Event
    ) -> None:
        lost = asyncio.Event()

        def on_notify(*_: Any) -> None:
            wake()

        connection.add_termination_listener(lambda _connection: lost.set())
        await connection.add_listener(self._channel, on_notify)
        self.listening.set()
        wake()  # whatever was sequenced while nobody listened
        while not (stop.is_set() or lost.is_set()):
            await wait_any(stop, lost, seconds=self._check, clock=self._clock)
            if stop.is_set() or lost.is_set():
                break
            await connection.fetchval("SELECT 1", timeout=self._timeout)
        if lost.is_set() and not stop.is_set():
            raise ConnectionError("the server closed the connection")
