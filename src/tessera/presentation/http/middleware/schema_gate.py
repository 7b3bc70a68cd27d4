"""503 ``schema_out_of_date`` on every route that needs the database while the schema is
behind the code (before ``tessera db upgrade``), instead of SQL errors about missing tables."""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from starlette.types import ASGIApp, Receive, Scope, Send

from tessera.presentation.http.docs import ASSETS_URL, PAGES
from tessera.presentation.http.errors import error_response

# Probes, the scrape and the API's description answer without the database's tables.
_EXEMPT: Final = frozenset({"/livez", "/readyz", "/metrics", "/openapi.json", *PAGES})
MESSAGE: Final = "The database schema is behind this server's code; try again shortly"


class SchemaGateMiddleware:
    def __init__(self, app: ASGIApp, *, is_open: Callable[[], bool]) -> None:
        self.app = app
        self.is_open = is_open

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or _exempt(scope["path"]) or self.is_open():
            await self.app(scope, receive, send)
            return
        request_id = scope.get("state", {}).get("request_id")
        response = error_response("schema_out_of_date", MESSAGE, request_id=request_id)
        await response(scope, receive, send)


def _exempt(path: str) -> bool:
    return path in _EXEMPT or path.startswith(f"{ASSETS_URL}/")
