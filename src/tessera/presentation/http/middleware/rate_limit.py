"""Rate limits per token (per client address without one), separately for reads and
writes; ``RateLimit-*`` headers on every answer, 429 ``rate_limited`` past the limit."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Final

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tessera.application.ports.rate_limit import RateDecision, RateLimiter
from tessera.presentation.http.errors import STATUS_BY_CODE, error_body
from tessera.presentation.web.paths import SESSION_COOKIE, STATIC

_WRITES: Final = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Probes and scrapes are never limited (a busy load balancer must not be locked out).
_EXEMPT: Final = frozenset({"/livez", "/readyz", "/metrics"})


@dataclass(frozen=True, slots=True, kw_only=True)
class RateLimits:
    reads_per_minute: int = 1200
    writes_per_minute: int = 300
    anonymous_per_minute: int = 60


class RateLimitMiddleware:
    def __init__(self, app: ASGIApp, *, limiter: RateLimiter, limits: RateLimits) -> None:
        self.app = app
        self.limiter = limiter
        self.limits = limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or path in _EXEMPT or path.startswith(STATIC + "/"):
            await self.app(scope, receive, send)
            return
        key, capacity = self._bucket(scope)
        decision = await self.limiter.hit(key, capacity=capacity, per_seconds=60)
        headers = _headers(decision)
        if not decision.allowed:
            request_id = scope.get("state", {}).get("request_id")
            body = error_body("rate_limited", "Too many requests; slow down", None, request_id)
            await send(
                {
                    "type": "http.response.start",
                    "status": STATUS_BY_CODE["rate_limited"],
                    "headers": [
                        *headers,
                        (b"retry-after", str(decision.retry_after_seconds).encode()),
                        (b"content-type", b"application/json"),
                        (b"content-length", str(len(body)).encode()),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": body})
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *headers]
            await send(message)

        await self.app(scope, receive, send_with_headers)

    def _bucket(self, scope: Scope) -> tuple[str, int]:
        scheme, _, secret = Headers(scope=scope).get("authorization", "").partition(" ")
        kind = "write" if scope["method"] in _WRITES else "read"
        if scheme.lower() == "bearer" and secret.strip():
            # By digest: a bucket key never holds the secret itself.
            digest = hashlib.sha256(secret.strip().encode()).hexdigest()[:32]
            capacity = (
                self.limits.writes_per_minute if kind == "write" else self.limits.reads_per_minute
            )
            return f"token:{digest}:{kind}", capacity
        session = _session_cookie(scope)
        if session:
            # A logged-in browser gets its own bucket, as a token does.
            digest = hashlib.sha256(session.encode()).hexdigest()[:32]
            capacity = (
                self.limits.writes_per_minute if kind == "write" else self.limits.reads_per_minute
            )
            return f"session:{digest}:{kind}", capacity
        client = scope.get("client")
        address = client[0] if client else "unknown"
        return f"address:{address}", self.limits.anonymous_per_minute


def _headers(decision: RateDecision) -> list[tuple[bytes, bytes]]:
    return [
        (b"ratelimit-limit", str(decision.limit).encode()),
        (b"ratelimit-remaining", str(decision.remaining).encode()),
        (b"ratelimit-reset", str(decision.reset_seconds).encode()),
    ]


def _session_cookie(scope: Scope) -> str | None:
    cookies = Headers(scope=scope).get("cookie")
    if not cookies or SESSION_COOKIE not in cookies:
        return None
    for part in cookies.split(";"):
        name, _, value = part.strip().partition("=")
        if name == SESSION_COOKIE and value:
            return value
    return None
