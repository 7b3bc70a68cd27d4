"""The busiest routes, ``GET /v1/tickets/{ticket_id}``, ``GET /v1/tickets`` and
``POST /v1/tickets``, answered without the framework's routing and dependency solving: the
same use cases (authentication; the read, with who may see what; the new ticket) and the
same answers. A ticket's body is serialised once per version with its ETag.

Only a well-formed request with a bearer token is answered here: a ticket read with no query,
a list whose query is one ``TicketListQuery`` reads without doubt, a new ticket whose body
the route's own model accepts. Any other (another route, an id or a parameter the route
would refuse, no token, ``include=``, a full-text or SLA filter, a body that is not JSON or
that the model refuses) goes on to the framework, which answers it as usual, its errors
included; a body read here is handed on to it unchanged.
"""

from __future__ import annotations

import re
from typing import Final
from urllib.parse import parse_qsl

import orjson
from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tessera.application.queries import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, ListTickets, TicketSort
from tessera.application.services import Services
from tessera.application.views import TicketView
from tessera.domain.access.principal import Principal
from tessera.domain.errors import TesseraError
from tessera.domain.tickets.status import Status
from tessera.domain.tickets.values import Priority
from tessera.presentation.http.errors import STATUS_BY_CODE, error_response
from tessera.presentation.http.rendering import JSON_OPTIONS, etag_matches, page, ticket_etag
from tessera.presentation.http.routes.tickets import create_command, created
from tessera.presentation.http.schemas.tickets import TicketCreateRequest

_PATH: Final = re.compile(r"/v1/tickets/([0-9]{1,19})")
_LIST_PATH: Final = "/v1/tickets"
_ID_MAX: Final = 2**63 - 1
_JSON: Final = (b"content-type", b"application/json")


class TicketReadShortcut:
    def __init__(
        self,
        app: ASGIApp,
        *,
        services: Services,
        route: BaseRoute,
        list_route: BaseRoute | None = None,
        create_route: BaseRoute | None = None,
        bodies: int = 4096,
    ) -> None:
        self.app = app
        self.services = services
        # The framework's routes: their templates name the requests in metrics.
        self.route = route
        self.list_route = list_route
        self.create_route = create_route
        self._bodies: dict[tuple[int, int], bytes] = {}
        self._max_bodies = bodies

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.list_route is not None and scope["type"] == "http" and scope["path"] == _LIST_PATH:
            if scope["method"] == "POST" and self.create_route is not None:
                await self._create(scope, receive, send)
                return
            listing = _ticket_list(scope)
            if listing is not None:
                await self._list(scope, receive, send, *listing)
                return
        request = _ticket_read(scope)
        if request is None:
            await self.app(scope, receive, send)
            return
        ticket_id, secret, if_none_match = request
        scope["route"] = self.route
        try:
            principal = await self._authenticated(scope, secret)
            view = await self.services.get_ticket(ticket_id, principal=principal)
        except TesseraError as error:
            await _error(error, scope, receive, send)
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

    async def _list(
        self, scope: Scope, receive: Receive, send: Send, query: ListTickets, secret: str
    ) -> None:
        scope["route"] = self.list_route
        try:
            principal = await self._authenticated(scope, secret)
            result = await self.services.list_tickets(query, principal=principal)
        except TesseraError as error:
            await _error(error, scope, receive, send)
            return
        response = page(result.items, result.next_cursor, request=Request(scope))
        await response(scope, receive, send)

    async def _create(self, scope: Scope, receive: Receive, send: Send) -> None:
        secret = _bearer(scope) if "state" in scope else None
        if secret is None or scope.get("query_string"):
            await self.app(scope, receive, send)
            return
        body = await _body(receive)
        if body is None:  # the client went away
            return
        request = _ticket_create(body)
        if request is None:
            await self.app(scope, _replayed(body, receive), send)
            return
        scope["route"] = self.create_route
        try:
            principal = await self._authenticated(scope, secret)
            view = await self.services.create_ticket(create_command(request), principal=principal)
        except TesseraError as error:
            await _error(error, scope, receive, send)
            return
        await created(view)(scope, receive, send)

    async def _authenticated(self, scope: Scope, secret: str) -> Principal:
        principal = await self.services.authenticate(secret)
        scope["state"]["principal"] = principal  # for the access line
        return principal

    def _body(self, view: TicketView) -> bytes:
        """A version's representation never changes (its ETag names it): serialise it once."""
        key = (view.id, view.version)
        body = self._bodies.get(key)
        if body is None:
            if len(self._bodies) >= self._max_bodies:  # bounded: the oldest goes first
                del self._bodies[next(iter(self._bodies))]
            body = self._bodies[key] = orjson.dumps(view, option=JSON_OPTIONS)
        return body


async def _error(error: TesseraError, scope: Scope, receive: Receive, send: Send) -> None:
    if error.code not in STATUS_BY_CODE:  # the framework's last resort renders it
        raise error
    request_id = scope["state"].get("request_id")
    response: Response = error_response(
        error.code, error.message, details=error.details, request_id=request_id
    )
    await response(scope, receive, send)


# What the list route's parameters accept, in their plainest spellings: a value spelled any
# other way (or any other parameter) goes to the framework, which accepts or refuses it.
_STATUSES: Final = {status.value: status for status in Status}
_PRIORITIES: Final = {priority.value: priority for priority in Priority}
_SORTS: Final = {sort.value: sort for sort in TicketSort}
_LIMIT: Final = re.compile(r"[1-9][0-9]{0,2}")
_ASSIGNEE: Final = re.compile(r"none|[1-9][0-9]{0,17}")
_TEXT_MAX: Final = {"tag": 50, "customer_email": 254, "cursor": 512}


def _ticket_list(scope: Scope) -> tuple[ListTickets, str] | None:
    """(the query, bearer secret) of a ticket list this layer answers."""
    if scope["method"] != "GET" or "state" not in scope:
        return None
    secret = _bearer(scope)
    if secret is None:
        return None
    query = TicketListQuery.parse(scope.get("query_string", b""))
    return None if query is None else (query, secret)


class TicketListQuery:
    """The list route's query string read by hand, as the route reads it: ``status``
    (repeatable), ``priority``, ``assignee_id``, ``tag``, ``customer_email``, ``sort``,
    ``limit`` and ``cursor``. None for any query the route might read otherwise."""

    @staticmethod
    def parse(raw: bytes) -> ListTickets | None:
        statuses: list[Status] = []
        single: dict[str, str] = {}
        # As the framework splits it (blank values kept, so that they go to it).
        for name, value in parse_qsl(raw.decode("latin-1"), keep_blank_values=True):
            if not value or "\x00" in value:
                return None
            if name == "status":
                status = _STATUSES.get(value)
                if status is None:
                    return None
                statuses.append(status)
            elif name in single or not _plain(name, value):
                return None
            else:
                single[name] = value
        assignee = single.get("assignee_id")
        tag = single.get("tag")
        priority = single.get("priority")
        return ListTickets(
            statuses=tuple(statuses),
            priority=_PRIORITIES[priority] if priority is not None else None,
            assignee_id=int(assignee) if assignee is not None and assignee != "none" else None,
            unassigned=assignee == "none",
            tag=tag.strip().lower() if tag else None,
            customer_email=single.get("customer_email"),
            sort=_SORTS[single["sort"]] if "sort" in single else TicketSort.CREATED_AT_DESC,
            limit=int(single["limit"]) if "limit" in single else DEFAULT_PAGE_SIZE,
            cursor=single.get("cursor"),
        )


def _plain(name: str, value: str) -> bool:
    """Whether a value of a single-valued parameter reads the same here as in the route."""
    if name == "priority":
        return value in _PRIORITIES
    if name == "sort":
        return value in _SORTS
    if name == "limit":
        return _LIMIT.fullmatch(value) is not None and int(value) <= MAX_PAGE_SIZE
    if name == "assignee_id":
        return _ASSIGNEE.fullmatch(value) is not None
    if name in _TEXT_MAX:
        return len(value) <= _TEXT_MAX[name]
    return False


async def _body(receive: Receive) -> bytes | None:
    """The whole request body (its size is bounded by the layer outside), or None when the
    client disconnected first."""
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return None
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


def _replayed(body: bytes, receive: Receive) -> Receive:
    """``receive`` with the body already read given first, as the client sent it."""
    pending = [{"type": "http.request", "body": body, "more_body": False}]

    async def replay() -> Message:
        return pending.pop() if pending else await receive()

    return replay


def _ticket_create(body: bytes) -> TicketCreateRequest | None:
    """The body as the route reads it, or None for any body it might read otherwise (not
    JSON to the letter, or refused by the model: the framework words the error)."""
    try:
        return TicketCreateRequest.model_validate(orjson.loads(body))
    except (orjson.JSONDecodeError, ValidationError):
        return None


def _bearer(scope: Scope) -> str | None:
    """The bearer secret of the first Authorization header, as the framework reads it."""
    for name, value in scope["headers"]:
        if name == b"authorization":
            header: str = value.decode("latin-1")
            scheme, _, secret = header.partition(" ")
            if scheme.lower() != "bearer" or not secret.strip():
                return None
            return secret.strip()
    return None


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
