"""The event loop of Tessera's own commands (``worker``, ``db``, ``admin``, ...).

uvloop where it is installed (it comes with ``uvicorn[standard]`` on Linux and macOS), as
``serve`` gets from uvicorn: the worker's relay and consumers spend much of their time in
the loop and its socket transports, which uvloop runs in C. Elsewhere, asyncio's own loop.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

_new_loop: Callable[[], asyncio.AbstractEventLoop]
try:
    import uvloop

    _new_loop = uvloop.new_event_loop
except ImportError:  # pragma: no cover - Windows, where uvloop does not exist
    _new_loop = asyncio.new_event_loop


def new_event_loop() -> asyncio.AbstractEventLoop:
    return _new_loop()
