"""What the edge asks of every request and adds to every answer: the request id, the guards
on headers and body (size and media type), the security headers, and the error answers it
gives itself (413, 415, 431 and the last-resort 500)."""

from __future__ import annotations

import random
import re
from typing import Final

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.types import Message, Receive, Scope, Send

from tessera.presentation.http.docs import PAGES
from tessera.presentation.http.errors import (
    INTERNAL_MESSAGE,
    STATUS_BY_CODE,
    error_body,
)
from tessera.presentation.http.streamed import STREAMED_PATHS
from tessera.presentation.web.paths import PAGE_CSP, is_web_path

_SANE_REQUEST_ID: Final = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
# An API serves no documents: nothing may be framed, scripted or sniffed. The interactive
# docs load Swagger UI's scripts, so they get the framework's defaults instead.
_SECURITY_HEADERS: Final = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
]
_API_CSP: Final = (b"content-security-policy", b"default-src 'none'; frame-ancestors 'none'")
_PAGE_CSP: Final = (b"content-security-policy", PAGE_CSP.encode())
_BODY_METHODS: Final = frozenset({"POST", "PUT", "PATCH"})
# What a browser's form sends to a page (never accepted by the API).
_FORM_TYPES: Final = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})


class BodyTooLargeError(HTTPException):
    """The client sent more bytes than the limit; raised out of ``receive``. An HTTPException,
    so that the framework's body reader passes it on untouched to the error handlers."""

    def __init__(self) -> None:
        super().__init__(status_code=413)


class RequestGuards:
    """The limits every request meets before any route sees it: the size of its headers and
    body, and the media type of a body."""

    def __init__(self, *, max_body_bytes: int, max_header_bytes: int = 16 * 1024) -> None:
        self.max_body_bytes = max_body_bytes
        self.max_header_bytes = max_header_bytes

    def refusal(self, scope: Scope, headers: Headers) -> str | None:
        """The error code of a request refused on sight, or None."""
        size = sum(len(name) + len(value) for name, value in scope["headers"])
        if size > self.max_header_bytes:
            return "headers_too_large"
        if scope["method"] not in _BODY_METHODS or scope["path"] in STREAMED_PATHS:
            return None
        length = headers.get("content-length")
        if length is not None and length.isdigit() and int(length) > self.max_body_bytes:
            return "payload_too_large"
        has_body = (length is not None and length != "0") or "transfer-encoding" in headers
        content_type = headers.get("content-type", "")
        if has_body and not _is_json(content_type):
            if is_web_path(scope["path"]) and _is_form(content_type):
                return None
            return "unsupported_media_type"
        return None

    def receive(self, scope: Scope, receive: Receive) -> Receive:
        """``receive``, raising BodyTooLargeError past the body limit (uploads stream to
        their own limits)."""
        if scope["path"] in STREAMED_PATHS:
            return receive
        remaining = self.max_body_bytes

        async def limited_receive() -> Message:
            nonlocal remaining
            message = await receive()
            if message["type"] == "http.request":
                remaining -= len(message.get("body", b""))
                if remaining < 0:
                    raise BodyTooLargeError
            return message

        return limited_receive


def request_id(headers: Headers) -> str:
    """The caller's ``X-Request-ID`` when it is sane, else a new one: 32 random hex digits,
    as uuid4().hex gave, without its system call per request (an id only has to be unique,
    not unguessable; random is reseeded in a forked worker)."""
    given = headers.get("x-request-id", "")
    return given if _SANE_REQUEST_ID.match(given) else f"{random.getrandbits(128):032x}"


def response_headers(path: str, headers: Headers, request_id: str) -> list[tuple[bytes, bytes]]:
    extra = [(b"x-request-id", request_id.encode()), *_SECURITY_HEADERS]
    if is_web_path(path):
        extra.append(_PAGE_CSP)
    elif path not in PAGES:
        extra.append(_API_CSP)
    if "authorization" in headers:  # answers for one principal: never stored by caches
        extra.append((b"cache-control", b"no-store"))
    return extra


def _is_json(content_type: str) -> bool:
    media_type = content_type.split(";", 1)[0].strip().lower()
    return media_type == "application/json" or (
        media_type.startswith("application/") and media_type.endswith("+json")
    )


def _is_form(content_type: str) -> bool:
    return content_type.split(";", 1)[0].strip().lower() in _FORM_TYPES


_MESSAGES: Final = {
    "payload_too_large": "The request body is larger than the limit",
    "headers_too_large": "The request headers are larger than the limit",
    "unsupported_media_type": "The request body must be application/json",
    "internal_error": INTERNAL_MESSAGE,
}


async def send_error(send: Send, code: str, request_id: str) -> None:
    body = error_body(code, _MESSAGES[code], None, request_id)
    await send(
        {
            "type": "http.response.start",
            "status": STATUS_BY_CODE[code],
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
