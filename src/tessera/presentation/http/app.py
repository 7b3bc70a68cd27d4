"""The FastAPI application factory."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager

from fastapi import FastAPI

from tessera.application.services import Services
from tessera.presentation.http.errors import install_error_handlers
from tessera.presentation.http.middleware.request_context import RequestContextMiddleware
from tessera.presentation.http.routes import (
    bench,
    comments,
    events,
    health,
    tickets,
    tokens,
    webhooks,
)

DEFAULT_MAX_BODY_BYTES = 1024 * 1024

Lifespan = Callable[[FastAPI], AbstractAsyncContextManager[None]]

DESCRIPTION = """
Tessera turns customer requests into tickets that agents triage, discuss, assign and resolve.

Authenticate with `Authorization: Bearer <token>`. Every error has one shape:
`{"error", "code", "details", "request_id"}`.
"""


def create_app(
    services: Services,
    *,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    benchmark_routes: bool = False,
    lifespan: Lifespan | None = None,
) -> FastAPI:
    app = FastAPI(
        title="Tessera",
        version="1.0.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        openapi_tags=[
            {"name": "tickets", "description": "Support tickets"},
            {"name": "comments", "description": "Public replies and internal notes"},
            {"name": "events", "description": "History, changes feed and live stream"},
            {"name": "webhooks", "description": "Signed event deliveries to other systems"},
            {"name": "tokens", "description": "API tokens and roles (admins)"},
            {"name": "health", "description": "Liveness and readiness"},
        ],
    )
    app.state.services = services
    install_error_handlers(app)
    app.add_middleware(RequestContextMiddleware, max_body_bytes=max_body_bytes)
    for module in (tickets, comments, events, webhooks, tokens, health):
        app.include_router(module.router)
    if benchmark_routes:
        app.include_router(bench.router)
    return app
