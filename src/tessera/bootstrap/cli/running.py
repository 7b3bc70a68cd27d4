"""Running one command against a container that is closed afterwards, whatever happens."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

from tessera.bootstrap.container import Container, build_container
from tessera.bootstrap.event_loop import new_event_loop
from tessera.bootstrap.logs import configure_logging
from tessera.bootstrap.settings import load_settings

T = TypeVar("T")


def run_with_container(work: Callable[[Container], Awaitable[T]]) -> T:
    settings = load_settings()
    configure_logging(settings)

    async def main() -> T:
        container = build_container(settings)
        try:
            return await work(container)
        finally:
            await container.close()

    with asyncio.Runner(loop_factory=new_event_loop) as runner:
        return runner.run(main())
