"""The FastAPI application factory."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from datetime import timedelta

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.routing import APIRoute, APIRouter
from starlette.routing import BaseRoute
from starlette.types import ASGIApp

from tessera.application.mail.services import MailServices
from tessera.application.ports.clock import Clock
from tessera.application.ports.idempotency import IdempotencyStore
from tessera.application.ports.rate_limit import RateLimiter
from tessera.application.services import Services
from tessera.presentation.http.docs import install_docs
from tessera.presentation.http.errors import install_error_handlers
from tessera.presentation.http.middleware.edge import EdgeMiddleware
from tessera.presentation.http.middleware.idempotency import IdempotencyMiddleware
from tessera.presentation.http.middleware.rate_limit import RateLimitPolicy, RateLimits
from tessera.presentation.http.middleware.request_context import RequestGuards
from tessera.presentation.http.middleware.telemetry import (
    AccessLog,
    RequestTelemetry,
    structlog_access,
)
from tessera.presentation.http.middleware.ticket_read import TicketReadShortcut
from tessera.presentation.http.openapi import install_openapi, operation_id
from tessera.presentation.http.routes import (
    attachments,
    bench,
    comments,
    dead_letters,
    events,
    groups,
    health,
    mailboxes,
    metrics,
    organizations,
    tickets,
    tokens,
    users,
    webhooks,
)
from tessera.presentation.web.app import install_web

DEFAULT_MAX_BODY_BYTES = 1024 * 1024

Lifespan = Callable[[FastAPI], AbstractAsyncContextManager[None]]

DESCRIPTION = """
Tessera turns customer requests into tickets that agents triage, discuss, assign and resolve.

Authenticate with `Authorization: Bearer <token>` (in these docs: "Authorize"). Every
error has one shape: `{"error", "code", "details", "request_id"}`. Lists answer
`{"data", "next_cursor", "links": {"next"}}`: pass `next_cursor` back as `cursor` (the
changes feed: `after`), or follow `links.next`. A method a path does not serve is 405
`method_not_allowed` with `Allow`; an unknown path is 404 `not_found`.
"""


class TesseraAPI(FastAPI):
    """FastAPI with Tessera's layers outside the framework's own (its last-resort error
    layer, exception telemetry and body limit): those run only for the requests that reach
    the framework's routes, not for the ones the edge or the shortcut answer. The edge
    stands in for them: it logs any exception once and answers 500 in the one error shape
    (the framework's error layer renders the same through ``install_error_handlers``)."""

    def build_middleware_stack(self) -> ASGIApp:
        ours, self.user_middleware = self.user_middleware, []
        try:
            app = super().build_middleware_stack()
        finally:
            self.user_middleware = ours
        for cls, args, kwargs in reversed(ours):
            app = cls(app, *args, **kwargs)
        return app


def create_app(
    services: Services,
    *,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    benchmark_routes: bool = False,
    rate_limiter: RateLimiter | None = None,
    rate_limits: RateLimits | None = None,
    cors_origins: tuple[str, ...] = (),
    idempotency: IdempotencyStore | None = None,
    idempotency_ttl: timedelta = timedelta(hours=24),
    idempotency_lease: timedelta = timedelta(seconds=30),
    clock: Clock | None = None,
    lifespan: Lifespan | None = None,
    schema_ready: Callable[[], bool] | None = None,
    tracing: bool = True,
    access_log: AccessLog = structlog_access,
    mail: MailServices | None = None,
    secure_cookies: bool = True,
) -> FastAPI:
    app = TesseraAPI(
        title="Tessera",
        version="1.0.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,  # served by install_docs, from local assets
        redoc_url=None,
        generate_unique_id_function=operation_id,
        # Tessera's own middleware traces, counts and logs each request once (with the route
        # template, the principal and no secrets); the framework's built-in copy would add a
        # second root span per request.
        telemetry={"tracing": False, "metrics": False, "logs": False, "operation_spans": False},
        openapi_tags=[
            {"name": "tickets", "description": "Support tickets"},
            {"name": "comments", "description": "Public replies and internal notes"},
            {"name": "attachments", "description": "Files on tickets and comments"},
            {"name": "events", "description": "History, changes feed and live stream"},
            {"name": "webhooks", "description": "Signed event deliveries to other systems"},
            {"name": "mailboxes", "description": "The inbound e-mail channel (admins)"},
            {"name": "tokens", "description": "API tokens and roles (admins)"},
            {"name": "health", "description": "Liveness and readiness"},
        ],
    )
    app.state.services = services
    app.state.mail_services = mail
    install_error_handlers(app)
    routers = (tickets, comments, attachments, events, dead_letters, webhooks, mailboxes, tokens)
    for module in (*routers, users, organizations, groups, health, metrics):
        app.include_router(module.router)
    if benchmark_routes:
        app.include_router(bench.router)
    install_docs(app)
    install_openapi(app)
    # The console and portal pages (left out of the OpenAPI document).
    install_web(app, secure_cookies=secure_cookies)
    # Innermost: the hot reads and the new ticket skip routing and dependency solving, inside
    # every other layer.
    app.add_middleware(
        TicketReadShortcut,
        services=services,
        route=_route(tickets.router, "GET", "/v1/tickets/{ticket_id}"),
        list_route=_route(tickets.router, "GET", "/v1/tickets"),
        create_route=_route(tickets.router, "POST", "/v1/tickets"),
    )
    if idempotency is not None:  # inside the body limits, outside the routes
        app.add_middleware(
            IdempotencyMiddleware,
            store=idempotency,
            ttl=idempotency_ttl,
            lease=idempotency_lease,
            clock=clock,
        )
    # Sees every answer, 413s included.
    app.add_middleware(
        EdgeMiddleware,
        guards=RequestGuards(max_body_bytes=max_body_bytes),
        telemetry=RequestTelemetry(access_log),
        tracing=tracing,
        rate_limit=(
            RateLimitPolicy(rate_limiter, rate_limits or RateLimits())
            if rate_limiter is not None
            else None
        ),
        schema_ready=schema_ready,
    )
    # Outermost when configured (off unless it is): every answer, the edge's 413, 429 and 503
    # included, carries what a browser needs to read it; preflights are answered here.
    if cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(cors_origins),
            allow_methods=["GET", "POST", "PATCH", "DELETE"],
            allow_headers=[
                "Authorization",
                "Content-Type",
                "If-Match",
                "If-None-Match",
                "Idempotency-Key",
                "X-Request-ID",
            ],
            expose_headers=[
                "ETag",
                "Location",
                "X-Request-ID",
                "RateLimit-Limit",
                "RateLimit-Remaining",
                "RateLimit-Reset",
                "Retry-After",
                "Idempotent-Replayed",
            ],
        )
    return app


def _route(router: APIRouter, method: str, path: str) -> BaseRoute:
    return next(
        route
        for route in router.routes
        if isinstance(route, APIRoute) and route.path == path and method in (route.methods or ())
    )
