"""``Idempotency-Key`` on POST: the first answer (status, headers, body) is kept with the
key, the caller and a digest of the request; a retry with the same key and body gets that
answer again, the same key with another body gets 409 ``idempotency_key_reused``, and two
concurrent requests with one key run once.

A claim is a lease: a request that never finished (its server died) holds its key only until
the lease runs out, and a retry after that runs it. The store failing (the database down)
gives the same error envelope as any other request: 503 with ``Retry-After``."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
from datetime import UTC, datetime, timedelta
from typing import Final

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tessera.application.ports.clock import Clock
from tessera.application.ports.idempotency import (
    Claim,
    ClaimState,
    IdempotencyStore,
    StoredAnswer,
)
from tessera.domain.errors import TesseraError
from tessera.presentation.http.errors import STATUS_BY_CODE, error_body, error_response
from tessera.presentation.http.streamed import STREAMED_PATHS

logger = logging.getLogger("tessera.http")

_KEY: Final = re.compile(r"^[\x21-\x7e]{1,255}$")
_REPLAYED: Final = frozenset({"content-type", "location", "etag"})
_WAIT_SECONDS: Final = 10.0
DEFAULT_LEASE: Final = timedelta(seconds=30)


class _SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


class IdempotencyMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        *,
        store: IdempotencyStore,
        ttl: timedelta,
        lease: timedelta = DEFAULT_LEASE,
        clock: Clock | None = None,
    ) -> None:
        self.app = app
        self.store = store
        self.ttl = ttl
        self.lease = lease
        self.clock = clock or _SystemClock()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or scope["path"] in STREAMED_PATHS:
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        key = headers.get("idempotency-key")
        if key is None:
            await self.app(scope, receive, send)
            return
        request_id = scope.get("state", {}).get("request_id")
        if not _KEY.match(key):
            await _error(send, "validation_failed", request_id, "Idempotency-Key must be 1-255 "
                         "printable ASCII characters")  # fmt: skip
            return
        body = await _read_body(receive)
        owner = hashlib.sha256(headers.get("authorization", "").encode()).hexdigest()
        target = f"{scope['method']} {scope['path']}?{scope.get('query_string', b'').decode()}"
        fingerprint = hashlib.sha256(target.encode() + b"\n" + body).hexdigest()
        try:
            claim = await self._claim(owner, key, fingerprint)
        except TesseraError as error:  # the store is down: the envelope, as for any request
            await error_response(error.code, error.message, request_id=request_id)(
                scope, receive, send
            )
            return
        if claim is not None and claim.state is ClaimState.STARTED:
            await self._run_and_keep(scope, body, send, owner, key)
        else:
            await _answer_taken(send, claim, request_id)

    async def _claim(self, owner: str, key: str, fingerprint: str) -> Claim | None:
        """The claim, after waiting a while for a first request still in flight (None if it
        is still running then)."""
        deadline = asyncio.get_running_loop().time() + _WAIT_SECONDS
        while True:
            now = self.clock.now()
            claim = await self.store.claim(
                owner, key, fingerprint=fingerprint, now=now, expires_at=now + self.lease
            )
            if claim.state is not ClaimState.IN_FLIGHT:
                return claim
            if asyncio.get_running_loop().time() > deadline:
                return None
            await asyncio.sleep(0.05)  # the first request with this key is still running

    async def _run_and_keep(
        self, scope: Scope, body: bytes, send: Send, owner: str, key: str
    ) -> None:
        status = 500
        kept: list[tuple[str, str]] = []
        chunks: list[bytes] = []

        async def replay_receive() -> Message:
            return {"type": "http.request", "body": body, "more_body": False}

        async def keeping_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                for name, value in message.get("headers", []):
                    if name.decode().lower() in _REPLAYED:
                        kept.append((name.decode(), value.decode()))
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, replay_receive, keeping_send)
        finally:
            await self._keep(owner, key, StoredAnswer(status, kept, b"".join(chunks)))

    async def _keep(self, owner: str, key: str, answer: StoredAnswer) -> None:
        """Keep the answer for retries (a 5xx is forgotten, so a retry runs again). The answer
        has been sent: a store that fails now leaves the claim to run out its lease."""
        try:
            if answer.status >= 500:
                await self.store.release(owner, key)
            else:
                expires_at = self.clock.now() + self.ttl
                await self.store.complete(owner, key, answer, expires_at=expires_at)
        except TesseraError:
            logger.warning("could not keep the answer to an Idempotency-Key", exc_info=True)


async def _answer_taken(send: Send, claim: Claim | None, request_id: str | None) -> None:
    """Answer a request whose key another request has: it is still in progress (None), was
    for another request, or has its answer."""
    if claim is None:
        await _error(send, "conflict", request_id, "A request with this "
                     "Idempotency-Key is still in progress")  # fmt: skip
    elif claim.state is ClaimState.REPLAY and claim.answer is not None:
        await _replay(send, claim.answer)
    else:
        await _error(send, "idempotency_key_reused", request_id, "This Idempotency-Key "
                     "was used for a different request")  # fmt: skip


async def _read_body(receive: Receive) -> bytes:
    parts = []
    while True:
        message = await receive()
        parts.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(parts)


async def _replay(send: Send, answer: StoredAnswer) -> None:
    headers = [(name.encode(), value.encode()) for name, value in answer.headers]
    headers.append((b"idempotent-replayed", b"true"))
    await send({"type": "http.response.start", "status": answer.status, "headers": headers})
    await send({"type": "http.response.body", "body": answer.body})


async def _error(send: Send, code: str, request_id: str | None, message: str) -> None:
    body = error_body(code, message, None, request_id)
    await send(
        {
            "type": "http.response.start",
            "status": STATUS_BY_CODE[code],
            "headers": [(b"content-type", b"application/json")],
        }
    )
    await send({"type": "http.response.body", "body": body})
