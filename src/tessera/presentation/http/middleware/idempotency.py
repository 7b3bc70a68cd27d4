"""``Idempotency-Key`` on POST: the first answer (status, headers, body) is kept with the
key, the caller and a digest of the request; a retry with the same key and body gets that
answer again, the same key with another body gets 409 ``idempotency_key_reused``, and two
concurrent requests with one key run once."""

from __future__ import annotations

import asyncio
import hashlib
import re
from datetime import UTC, datetime, timedelta
from typing import Final

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tessera.application.ports.idempotency import ClaimState, IdempotencyStore, StoredAnswer
from tessera.presentation.http.errors import STATUS_BY_CODE, error_body

_KEY: Final = re.compile(r"^[\x21-\x7e]{1,255}$")
_REPLAYED: Final = frozenset({"content-type", "location", "etag"})
_WAIT_SECONDS: Final = 10.0


class IdempotencyMiddleware:
    def __init__(self, app: ASGIApp, *, store: IdempotencyStore, ttl: timedelta) -> None:
        self.app = app
        self.store = store
        self.ttl = ttl

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
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
        deadline = asyncio.get_running_loop().time() + _WAIT_SECONDS
        while True:
            now = datetime.now(UTC)
            claim = await self.store.claim(
                owner, key, fingerprint=fingerprint, now=now, expires_at=now + self.ttl
            )
            if claim.state is not ClaimState.IN_FLIGHT:
                break
            if asyncio.get_running_loop().time() > deadline:
                await _error(send, "conflict", request_id, "A request with this "
                             "Idempotency-Key is still in progress")  # fmt: skip
                return
            await asyncio.sleep(0.05)  # the first request with this key is still running
        if claim.state is ClaimState.MISMATCH:
            await _error(send, "idempotency_key_reused", request_id, "This Idempotency-Key "
                         "was used for a different request")  # fmt: skip
            return
        if claim.state is ClaimState.REPLAY and claim.answer is not None:
            await _replay(send, claim.answer)
            return
        await self._run_and_keep(scope, body, send, owner, key)

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
            if status >= 500:
                await self.store.release(owner, key)
            else:
                await self.store.complete(owner, key, StoredAnswer(status, kept, b"".join(chunks)))


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
