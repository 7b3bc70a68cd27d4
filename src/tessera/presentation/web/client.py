"""Facts about the browser's request the pages need."""

from __future__ import annotations

from starlette.requests import Request


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"
