"""CSRF: every unsafe request of a logged-in page carries the session's token, in the form
field ``csrf_token`` or (htmx) the ``X-CSRF-Token`` header the layout sets."""

from __future__ import annotations

import secrets

from starlette.requests import Request

from tessera.presentation.web.paths import CSRF_FIELD, CSRF_HEADER

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class CsrfRefusedError(Exception):
    """The request's token is missing or wrong: a 403 page."""


async def submitted_token(request: Request) -> str:
    header = request.headers.get(CSRF_HEADER)
    if header:
        return header
    content_type = request.headers.get("content-type", "")
    if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        value = (await request.form()).get(CSRF_FIELD)
        return value if isinstance(value, str) else ""
    return ""


async def check_csrf(request: Request, expected: str) -> None:
    """Raises CsrfRefusedError unless the request carries ``expected`` (compared in constant
    time)."""
    if request.method in SAFE_METHODS:
        return
    given = await submitted_token(request)
    if not given or not expected or not secrets.compare_digest(given, expected):
        raise CsrfRefusedError
