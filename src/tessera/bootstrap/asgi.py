"""The ASGI application: ``uvicorn --factory tessera.bootstrap.asgi:create_asgi_app``."""

from __future__ import annotations

import asyncio
import gc
import logging
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

import orjson
from fastapi import FastAPI

from tessera.application.tokens.views import IssuedToken
from tessera.bootstrap.container import Container, Overrides, build_container
from tessera.bootstrap.events import run_tasks
from tessera.bootstrap.logs import JsonAccessLog, configure_logging, json_logs
from tessera.bootstrap.settings import Settings, load_settings
from tessera.infrastructure.telemetry.tracing import tracing_enabled
from tessera.presentation.http.app import create_app
from tessera.presentation.http.middleware.rate_limit import RateLimits
from tessera.presentation.http.middleware.telemetry import AccessLog, structlog_access

logger = logging.getLogger("tessera")


def app_for(container: Container) -> FastAPI:
    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        announce_bootstrap_token(await container.start(), container.settings)
        # What starting allocated (modules, routes, the container) lives as long as the
        # process: out of the collector's sight, so that its full collections under load
        # walk only what requests allocate.
        gc.freeze()
        stop = asyncio.Event()
        background = asyncio.create_task(serve_in_background(container, stop))
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
        rate_limiter=container.rate_limiter,
        rate_limits=RateLimits(
            reads_per_minute=container.settings.rate_limit.reads_per_minute,
            writes_per_minute=container.settings.rate_limit.writes_per_minute,
            anonymous_per_minute=container.settings.rate_limit.anonymous_per_minute,
        ),
        cors_origins=tuple(container.settings.http.cors_origins),
        idempotency=container.idempotency,
        idempotency_ttl=timedelta(hours=container.settings.http.idempotency_hours),
        idempotency_lease=timedelta(seconds=container.settings.http.idempotency_lease_seconds),
        clock=container.clock,
        lifespan=lifespan,
        schema_ready=container.schema_gate.is_open,
        tracing=tracing_enabled(),
        access_log=access_log(container.settings),
        mail=container.mail.services if container.mail else None,
        secure_cookies=container.settings.secure_cookies,
    )


def access_log(settings: Settings) -> AccessLog:
    """JSON logs: the access line straight to the stream the log handler writes to."""
    return JsonAccessLog(sys.stderr) if json_logs(settings) else structlog_access


async def serve_in_background(container: Container, stop: asyncio.Event) -> None:
    """The loops beside the API, started once the schema gate is open (at once when the
    schema was at head on start, else when `tessera db upgrade` has run)."""
    if not container.started:
        announce_bootstrap_token(await container.open_when_ready(stop), container.settings)
        if not container.started:  # stopped before the schema reached head
            return
    grace = container.settings.events.shutdown_grace_seconds
    await run_tasks(container.serve_tasks(), stop, grace=grace, clock=container.clock)


def create_asgi_app(
    settings: Settings | None = None, overrides: Overrides | None = None
) -> FastAPI:
    settings = settings or load_settings()
    configure_logging(settings)
    return app_for(build_container(settings, overrides=overrides))


def announce_bootstrap_token(issued: IssuedToken | None, settings: Settings) -> None:
    """A generated first admin token is shown once, on the first start with an empty database
    (only its hash is kept); one the operator supplied is never printed (SPEC §11)."""
    if issued is None:
        return
    if settings.bootstrap_admin_token is not None:
        logger.info("the first admin token is the one given in TESSERA_BOOTSTRAP_ADMIN_TOKEN")
        return
    if json_logs(settings):
        # Not through the logger, which redacts tokens: this one line exists to show it.
        line = {"event": "first admin token created; shown only this once", "token": issued.secret}
        sys.stdout.write(orjson.dumps(line).decode() + "\n")
        sys.stdout.flush()
        return
    sys.stdout.write(
        "\n  Tessera created the first admin token. It is shown only this once:\n\n"
        f"    {issued.secret}\n\n"
        "  Use it as: Authorization: Bearer <token>\n\n"
    )
    sys.stdout.flush()
