"""Rate limits per token (per client address without one), separately for reads and
writes: which bucket a request draws on, the ``RateLimit-*`` headers of every answer, and
the 429 ``rate_limited`` past the limit."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Final

from starlette.datastructures import Headers
from starlette.types import Scope, Send

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


class RateLimitPolicy:
    def __init__(self, limiter: RateLimiter, limits: RateLimits) -> None:
        self.limiter = limiter
        self.limits = limits

    async def decide(self, scope: Scope, headers: Headers) -> RateDecision | None:
        """The limiter's decision on the request, or None for one that is never limited
        (probes, the scrape, static files)."""
        path: str = scope["path"]
        if path in _EXEMPT or path.startswith(STATIC + "/"):
            return None
        key, capacity = self._bucket(scope, headers)
        return await self.limiter.hit(key, capacity=capacity, per_seconds=60)

    def _bucket(self, scope: Scope, headers: Headers) -> tuple[str, int]:
        scheme, _, secret = headers.get("authorization", "").partition(" ")
        kind = "write" if scope["method"] in _WRITES else "read"
        capacity = (
            self.limits.writes_per_minute if kind == "write" else self.limits.reads_per_minute
        )
        if scheme.lower() == "bearer" and secret.strip():
            # By digest: a bucket key never holds the secret itself.
            digest = hashlib.sha256(secret.strip().encode()).hexdigest()[:32]
            return f"token:{digest}:{kind}", capacity
        session = _session_cookie(headers)
        if session:
            # A logged-in browser gets its own bucket, as a token does.
            digest = hashlib.sha256(session.encode()).hexdigest()[:32]
            return f"session:{digest}:{kind}", capacity
        client = scope.get("client")
        address = client[0] if client else "unknown"
        return f"address:{address}", self.limits.anonymous_per_minute


def decision_headers(decision: RateDecision) -> list[tuple[bytes, bytes]]:
    return [
        (b"ratelimit-limit", str(decision.limit).encode()),
        (b"ratelimit-remaining", str(decision.remaining).encode()),
        (b"ratelimit-reset", str(decision.reset_seconds).encode()),
    ]


async def send_refusal(send: Send, decision: RateDecision, request_id: str) -> None:
    """429 ``rate_limited`` with ``Retry-After``."""
    body = error_body("rate_limited", "Too many requests; slow down", None, request_id)
    await send(
        {
            "type": "http.response.start",
            "status": STATUS_BY_CODE["rate_limited"],
            "headers": [
                *decision_headers(decision),
                (b"retry-after", str(decision.retry_after_seconds).encode()),
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def _session_cookie(headers: Headers) -> str | None:
    cookies = headers.get("cookie")
    if not cookies or SESSION_COOKIE not in cookies:
        return None
    for part in cookies.split(";"):
        name, _, value = part.strip().partition("=")
        if name == SESSION_COOKIE and value:
            return value
    return None
