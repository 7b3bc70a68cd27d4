"""Ticket routes: ``/v1/tickets``."""

from __future__ import annotations

import dataclasses
from typing import Annotated

from fastapi import APIRouter, Header, Path, Query, Request
from starlette.responses import Response

from tessera.application.people.side_load import parse_include
from tessera.application.queries import (
    DEFAULT_PAGE_SIZE,
    MAX_PAGE_SIZE,
    ListTickets,
    SlaView,
    TicketSort,
)
from tessera.application.tickets.commands import (
    BulkUpdateTickets,
    CreateTicket,
    DeleteTicket,
    UpdateTicket,
)
from tessera.application.views import TicketView
from tessera.domain.tickets.status import Status
from tessera.domain.tickets.values import Priority
from tessera.presentation.http.dependencies import AppServices, CurrentPrincipal
from tessera.presentation.http.errors import error_responses
from tessera.presentation.http.links import TICKET_LINKS
from tessera.presentation.http.openapi import response_headers
from tessera.presentation.http.rendering import (
    etag_matches,
    json_response,
    page,
    parse_version,
    ticket_etag,
)
from tessera.presentation.http.schemas.text import QueryText
from tessera.presentation.http.schemas.tickets import (
    BulkChanges,
    BulkUpdateRequest,
    BulkUpdateResponse,
    MergeRequest,
    TicketCreateRequest,
    TicketListResponse,
    TicketResponse,
    TicketUpdateRequest,
)

Include = Annotated[
    QueryText | None,
    Query(
        max_length=100,
        description="Side-load what the tickets name: `users`, `groups`, `organizations` "
        '(comma-separated), added as `"included": {"users": [...]}`',
        examples=["users,groups"],
    ),
]

router = APIRouter(prefix="/v1/tickets", tags=["tickets"])

TicketId = Annotated[int, Path(ge=1, le=2**63 - 1, description="The ticket's id")]
_AUTH = ("unauthenticated", "forbidden")
_ETAG = response_headers("ETag")
IfMatch = Annotated[
    str | None,
    Header(
        alias="If-Match",
        description='An ETag from a read (`"42-3"`): the change applies only if the ticket is '
        "still at that version (else 412 `precondition_failed`); `*` matches any",
    ),
]


@router.post(
    "",
    operation_id="tickets.create",
    status_code=201,
    response_model=TicketResponse,
    responses={
        201: {"links": TICKET_LINKS, **response_headers("ETag", "Location")},
        **error_responses(
            *_AUTH,
            "invalid_json",
            "unsupported_media_type",
            "payload_too_large",
            "validation_failed",
            "conflict",
        ),
    },
    summary="Open a ticket",
)
async def create_ticket(
    body: TicketCreateRequest, principal: CurrentPrincipal, services: AppServices
) -> Response:
    view = await services.create_ticket(create_command(body), principal=principal)
    return created(view)


def create_command(body: TicketCreateRequest) -> CreateTicket:
    return CreateTicket(
        title=body.title,
        description=body.description,
        customer_email=body.customer_email,
        priority=body.priority.value if body.priority else None,
        tags=tuple(body.tags),
        group_id=body.group_id,
        channel=body.channel.value if body.channel else None,
        follower_ids=tuple(body.follower_ids),
        uploads=tuple(body.uploads),
        requester_id=body.requester_id,
    )


def created(view: TicketView) -> Response:
    """201 with the new ticket, where it lives and its ETag."""
    headers = {"Location": f"/v1/tickets/{view.id}", "ETag": ticket_etag(view)}
    return json_response(view, status_code=201, headers=headers)


@router.get(
    "",
    operation_id="tickets.list",
    response_model=TicketListResponse,
    responses=error_responses(*_AUTH, "validation_failed"),
    summary="List tickets (requesters see only their own)",
)
async def list_tickets(
    request: Request,
    principal: CurrentPrincipal,
    services: AppServices,
    status: Annotated[list[Status], Query(description="Repeat for several")] = [],  # noqa: B006
    priority: Priority | None = None,
    assignee_id: Annotated[
        str | None,
        Query(
            pattern=r"^(none|[1-9][0-9]{0,17})$",
            description="An agent's token id, or `none` for unassigned tickets",
        ),
    ] = None,
    tag: Annotated[QueryText | None, Query(max_length=50)] = None,
    customer_email: Annotated[QueryText | None, Query(max_length=254)] = None,
    q: Annotated[
        QueryText | None,
        Query(
            max_length=200,
            description="Full text over title, description and comments (all words; "
            '"quoted phrases" and -excluded words on PostgreSQL); for a requester over '
            "what they may read: title, description and public replies",
            examples=["password reset"],
        ),
    ] = None,
    sla: Annotated[
        SlaView | None,
        Query(description="`breached`: past due; `at_risk`: due within the at-risk window"),
    ] = None,
    sort: TicketSort = TicketSort.CREATED_AT_DESC,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = DEFAULT_PAGE_SIZE,
    cursor: Annotated[
        QueryText | None, Query(max_length=512, description="From next_cursor")
    ] = None,
    include: Include = None,
) -> Response:
    query = ListTickets(
        statuses=tuple(status),
        priority=priority,
        assignee_id=int(assignee_id) if assignee_id and assignee_id != "none" else None,
        unassigned=assignee_id == "none",
        tag=tag.strip().lower() if tag else None,
        customer_email=customer_email,
        q=q,
        sla=sla,
        sort=sort,
        limit=limit,
        cursor=cursor,
    )
    kinds = parse_include(include) if include else frozenset()
    result = await services.list_tickets(query, principal=principal)
    if not kinds:
        return page(result.items, result.next_cursor, request=request)
    loaded = await services.side_load(result.items, kinds, principal=principal)
    return page(result.items, result.next_cursor, request=request, included=loaded.named(kinds))


@router.get(
    "/{ticket_id}",
    operation_id="tickets.get",
    response_model=TicketResponse,
    responses={
        200: {"links": TICKET_LINKS, **_ETAG},
        304: {"description": "Not modified (If-None-Match)", **_ETAG},
        **error_responses(*_AUTH, "ticket_not_found"),
    },
    summary="Read a ticket",
)
async def get_ticket(
    ticket_id: TicketId,
    principal: CurrentPrincipal,
    services: AppServices,
    if_none_match: Annotated[
        str | None,
        Header(
            alias="If-None-Match",
            description="The ETag you hold: 304 with no body while the ticket is unchanged",
        ),
    ] = None,
    include: Include = None,
) -> Response:
    kinds = parse_include(include) if include else frozenset()
    view = await services.get_ticket(ticket_id, principal=principal)
    etag = ticket_etag(view)
    if if_none_match is not None and etag_matches(if_none_match, etag):
        return Response(status_code=304, headers={"ETag": etag})
    if not kinds:
        return json_response(view, headers={"ETag": etag})
    loaded = await services.side_load([view], kinds, principal=principal)
    content = {**dataclasses.asdict(view), "included": loaded.named(kinds)}
    return json_response(content, headers={"ETag": etag})


@router.patch(
    "/{ticket_id}",
    operation_id="tickets.update",
    response_model=TicketResponse,
    responses={
        200: {"links": TICKET_LINKS, **_ETAG},
        **error_responses(
            *_AUTH,
            "ticket_not_found",
            "invalid_json",
            "validation_failed",
            "invalid_status_transition",
            "conflict",
            "precondition_failed",
        ),
    },
    summary="Change a ticket (only the fields sent)",
)
async def update_ticket(
    ticket_id: TicketId,
    body: TicketUpdateRequest,
    principal: CurrentPrincipal,
    services: AppServices,
    if_match: IfMatch = None,
) -> Response:
    command = _update_command(body, ticket_id, expected=_expected(if_match, ticket_id))
    view = await services.update_ticket(command, principal=principal)
    return json_response(view, headers={"ETag": ticket_etag(view)})


@router.post(
    "/bulk",
    operation_id="tickets.bulk_update",
    response_model=BulkUpdateResponse,
    responses=error_responses(
        *_AUTH, "invalid_json", "validation_failed", "invalid_status_transition", "conflict"
    ),
    summary="Apply one change to up to 100 tickets, all or nothing",
)
async def bulk_update(
    body: BulkUpdateRequest, principal: CurrentPrincipal, services: AppServices
) -> Response:
    command = BulkUpdateTickets(
        ticket_ids=tuple(body.ids), changes=_update_command(body.changes, ticket_id=0)
    )
    views = await services.bulk_update(command, principal=principal)
    return json_response({"data": views})


@router.post(
    "/{ticket_id}/merge",
    operation_id="tickets.merge",
    response_model=TicketResponse,
    responses={
        200: {"links": TICKET_LINKS, **_ETAG},
        **error_responses(
            *_AUTH, "ticket_not_found", "ticket_closed", "invalid_json", "validation_failed"
        ),
    },
    summary="Merge this duplicate into another ticket; returns the ticket kept",
)
async def merge_ticket(
    ticket_id: TicketId, body: MergeRequest, principal: CurrentPrincipal, services: AppServices
) -> Response:
    view = await services.merge_tickets(ticket_id, body.into, principal=principal)
    return json_response(view, headers={"ETag": ticket_etag(view)})


def _update_command(
    body: TicketUpdateRequest | BulkChanges, ticket_id: int, *, expected: int | None = None
) -> UpdateTicket:
    sent = body.model_dump(exclude_unset=True, mode="json")
    for name in ("tags", "add_tags", "remove_tags", "follower_ids"):
        if name in sent:
            sent[name] = tuple(sent[name])
    return UpdateTicket(ticket_id=ticket_id, expected_version=expected, **sent)


@router.delete(
    "/{ticket_id}",
    operation_id="tickets.delete",
    status_code=204,
    response_class=Response,
    responses=error_responses(*_AUTH, "ticket_not_found", "precondition_failed", "conflict"),
    summary="Delete a ticket (admins)",
)
async def delete_ticket(
    ticket_id: TicketId,
    principal: CurrentPrincipal,
    services: AppServices,
    if_match: IfMatch = None,
) -> Response:
    command = DeleteTicket(ticket_id=ticket_id, expected_version=_expected(if_match, ticket_id))
    await services.delete_ticket(command, principal=principal)
    return Response(status_code=204)


def _expected(if_match: str | None, ticket_id: int) -> int | None:
    if if_match is None or if_match.strip() == "*":
        return None
    # An If-Match that names no version of this ticket can never match: version 0 never exists.
    return parse_version(if_match, ticket_id=ticket_id) or 0
