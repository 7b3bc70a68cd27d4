"""Redis commands issued in one turn of the event loop, sent together as one pipeline.

Under load many requests reach the L2 lookup (or its fill) in the same turn of the loop; one
round trip for all of them costs a fraction of one command each (connection checkout,
retry wrapper and socket write per command in the client). Nothing waits for a batch to
fill up: the batch is sent on the loop's next turn, whatever it holds, so a lone command
pays at most that turn.

Each caller gets its own command's answer, or its own error (a failed command does not fail
the others); a batch that could not be sent at all fails every command in it with the
error, which the cache's breaker counts like a failed single command.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from redis.asyncio import Redis
from redis.asyncio.client import Pipeline

Command = Callable[[Pipeline], object]


class CommandBatches:
    def __init__(self, client: Redis) -> None:
        self._client = client
        self._queued: list[tuple[Command, asyncio.Future[Any]]] = []
        self._sending: set[asyncio.Task[None]] = set()

    async def run(self, command: Command) -> Any:
        """The answer of ``command`` (called with the batch's pipeline to queue itself)."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Any] = loop.create_future()
        if not self._queued:
            # After every task that is ready in this turn has had its chance to queue.
            loop.call_soon(self._send)
        self._queued.append((command, future))
        return await future

    def _send(self) -> None:
        batch, self._queued = self._queued, []
        task = asyncio.create_task(self._execute(batch))
        self._sending.add(task)  # held until done: the loop keeps only weak references
        task.add_done_callback(self._sending.discard)

    async def _execute(self, batch: list[tuple[Command, asyncio.Future[Any]]]) -> None:
        try:
            async with self._client.pipeline(transaction=False) as pipe:
                for command, _ in batch:
                    command(pipe)
                answers = await pipe.execute(raise_on_error=False)
        except BaseException as error:
            for _, future in batch:
                if future.done():
                    continue
                if isinstance(error, asyncio.CancelledError):
                    future.cancel()
                else:
                    future.set_exception(error)
            if not isinstance(error, Exception):
                raise
            return
        for (_, future), answer in zip(batch, answers, strict=True):
            if future.done():  # its request went away meanwhile
                continue
            if isinstance(answer, Exception):
                future.set_exception(answer)
            else:
                future.set_result(answer)
