"""A Redis connection whose writes are bounded without a task per command.

redis-py bounds each write with ``asyncio.wait_for``, which runs the write as a task of its
own: a task created, scheduled and awaited for every command, a large share of a cache
lookup's CPU time. ``asyncio.timeout`` bounds the same write in the calling task, and only
when there is something to wait for: the socket took less than the whole command. What a
caller sees is unchanged: a write that takes longer than ``socket_timeout`` closes the
connection and raises redis-py's TimeoutError.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from urllib.parse import urlparse

from redis.asyncio.connection import AbstractConnection, Connection
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError


class TimedWritesConnection(Connection):
    async def send_packed_command(
        self, command: bytes | str | Iterable[bytes], check_health: bool = True
    ) -> None:
        """redis-py's own, with the write bounded by ``asyncio.timeout``."""
        if not self.is_connected:
            await self.connect_check_health(check_health=False)
        if check_health:
            await self.check_health()  # type: ignore[no-untyped-call]
        if isinstance(command, str):
            command = command.encode()
        if isinstance(command, bytes):
            command = [command]
        writer = self._writer
        assert writer is not None
        try:
            writer.writelines(command)
            if writer.transport.get_write_buffer_size():  # the kernel took less than all
                async with asyncio.timeout(self.socket_timeout or None):
                    await writer.drain()
            else:
                await writer.drain()  # never waits: raises only for a lost connection
        except TimeoutError:
            await self.disconnect(nowait=True)
            raise RedisTimeoutError("Timeout writing to socket") from None
        except OSError as error:
            await self.disconnect(nowait=True)
            raise RedisConnectionError(f"Error while writing to socket: {error}") from error
        except BaseException:
            # Cancelled mid-write: what was sent is unknown, so the connection cannot be kept.
            await self.disconnect(nowait=True)
            raise


def connection_class(url: str) -> type[AbstractConnection] | None:
    """The connection class for a Redis URL: ours for plain TCP (``redis://``), None (the
    client's own choice) for TLS and Unix sockets."""
    return TimedWritesConnection if urlparse(url).scheme == "redis" else None
