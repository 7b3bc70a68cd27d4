"""The busiest route, ``GET /v1/tickets/{ticket_id}``, answered without the framework's routing
and dependency solving: the same use cases (authentication; the read, with who may see what)
and the same answers, the body serialised once per ticket version with its ETag.

Only a well-formed request with a bearer token and no query is answered here; any other
(another route, an id the route would refuse, no token, ``include=``) goes on to the
framework, which answers it as usual.
"""

from __future__ import annotations

import re
from typing import Final

import orjson
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Receive, Scope, Send

from tessera.application.services import Services
from tessera.application.views import TicketView
from tessera.domain.errors import TesseraError
from tessera.presentation.http.errors import STATUS_BY_CODE, error_response
from tessera.presentation.http.rendering import JSON_OPTIONS, etag_matches, ticket_etag

_PATH: Final = re.compile(r"/v1/tickets/([0-9]{1,19})")
_ID_MAX: Final = 2**63 - 1
_JSON: Final = (b"content-type", b"application/json")


class TicketReadShortcut:
    def __init__(
        self, app: ASGIApp, *, services: Services, route: BaseRoute, bodies: int = 4096
    ) -> None:
        self.app = app
        self.services = services
        self.route = route  # the framework's route: its template names the request in metrics
        self._bodies: dict[tuple[int, int], bytes] = {}
        self._max_bodies = bodies

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = _ticket_read(scope)
        if request is None:
            await self.app(scope, receive, send)
            return
        ticket_id, secret, if_none_match = request
        scope["route"] = self.route
        try:
            principal = await self.services.authenticate(secret)
            scope["state"]["principal"] = principal  # for the access line
            view = await self.services.get_ticket(ticket_id, principal=principal)
        except TesseraError as error:
            if error.code not in STATUS_BY_CODE:  # the framework's last resort renders it
                raise
            request_id = scope["state"].get("request_id")
            response = error_response(
                error.code, error.message, details=error.details, request_id=request_id
            )
            await response(scope, receive, send)
            return
        etag = ticket_etag(view).encode()
        if if_none_match is not None and etag_matches(if_none_match, etag.decode()):
            await send({"type": "http.response.start", "status": 304, "headers": [(b"etag", etag)]})
            await send({"type": "http.response.body", "body": b""})
            return
        body = self._body(view)
        headers = [(b"etag", etag), (b"content-length", str(len(body)).encode()), _JSON]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    def _body(self, view: TicketView) -> bytes:
        """A version's representation never changes (its ETag names it): serialise it once."""
        key = (view.id, view.version)
        body = self._bodies.get(key)
        if body is None:
            if len(self._bodies) >= self._max_bodies:  # bounded: the oldest goes first
                del self._bodies[next(iter(self._bodies))]
            body = self._bodies[key] = orjson.dumps(view, option=JSON_OPTIONS)
        return body


def _ticket_read(scope: Scope) -> tuple[int, str, str | None] | None:
    """(ticket id, bearer secret, If-None-Match) of a ticket read this layer answers."""
    if scope["type"] != "http" or scope["method"] != "GET" or "state" not in scope:
        return None
    match = _PATH.fullmatch(scope["path"])
    if match is None or scope.get("query_string"):  # ?include=... and the like: the route's
        return None
    ticket_id = int(match.group(1))
    if not 1 <= ticket_id <= _ID_MAX:
        return None
    authorization = if_none_match = None
    for name, value in scope["headers"]:  # the first of each, as the framework reads them
        if name == b"authorization" and authorization is None:
            authorization = value.decode("latin-1")
        elif name == b"if-none-match" and if_none_match is None:
            if_none_match = value.decode("latin-1")
    if authorization is None:
        return None
    scheme, _, secret = authorization.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        return None
    return ticket_id, secret.strip(), if_none_match
