"""The ASGI application: ``uvicorn --factory tessera.bootstrap.asgi:create_asgi_app``."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from tessera.application.tokens.views import IssuedToken
from tessera.bootstrap.container import Container, Overrides, build_container
from tessera.bootstrap.events import run_tasks
from tessera.bootstrap.logs import configure_logging
from tessera.bootstrap.settings import Settings, load_settings
from tessera.presentation.http.app import create_app


def app_for(container: Container) -> FastAPI:
    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        announce_bootstrap_token(await container.start())
        stop = asyncio.Event()
        tasks = container.serve_tasks() if container.started else []
        background = asyncio.create_task(
            run_tasks(tasks, stop, grace=container.settings.events.shutdown_grace_seconds)
        )
        try:
            yield
        finally:
            stop.set()
            await background
            await container.close()

    return create_app(
        container.services,
        max_body_bytes=container.settings.http.max_body_bytes,
        benchmark_routes=container.settings.http.benchmark_routes,
        lifespan=lifespan,
    )


def create_asgi_app(
    settings: Settings | None = None, overrides: Overrides | None = None
) -> FastAPI:
    settings = settings or load_settings()
    configure_logging(settings)
    return app_for(build_container(settings, overrides=overrides))


def announce_bootstrap_token(issued: IssuedToken | None) -> None:
    """Shown once, on the first start with an empty database; only its hash is kept."""
    if issued is None:
        return
    sys.stdout.write(
        "\n  Tessera created the first admin token. It is shown only this once:\n\n"
        f"    {issued.secret}\n\n"
        "  Use it as: Authorization: Bearer <token>\n\n"
    )
    sys.stdout.flush()
