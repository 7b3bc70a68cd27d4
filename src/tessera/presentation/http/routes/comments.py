"""Comment routes: ``/v1/tickets/{id}/comments``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from starlette.responses import Response

from tessera.application.comments.commands import AddComment
from tessera.presentation.http.dependencies import AppServices, CurrentPrincipal
from tessera.presentation.http.errors import error_responses
from tessera.presentation.http.links import COMMENT_LINKS
from tessera.presentation.http.openapi import response_headers
from tessera.presentation.http.rendering import json_response, page
from tessera.presentation.http.schemas.comments import (
    CommentCreateRequest,
    CommentListResponse,
    CommentResponse,
)
from tessera.presentation.http.schemas.parameters import IdCursor

router = APIRouter(prefix="/v1/tickets/{ticket_id}/comments", tags=["comments"])

TicketId = Annotated[int, Path(ge=1, le=2**63 - 1, description="The ticket's id")]
CommentId = Annotated[int, Path(ge=1, le=2**63 - 1, description="The comment's id")]


@router.post(
    "",
    operation_id="comments.create",
    status_code=201,
    response_model=CommentResponse,
    responses={
        201: {"links": COMMENT_LINKS, **response_headers("Location")},
        **error_responses(
            "unauthenticated",
            "forbidden",
            "ticket_not_found",
            "ticket_closed",
            "invalid_json",
            "unsupported_media_type",
            "validation_failed",
        ),
    },
    summary="Reply to a ticket, or leave an internal note (staff)",
)
async def add_comment(
    ticket_id: TicketId,
    body: CommentCreateRequest,
    principal: CurrentPrincipal,
    services: AppServices,
) -> Response:
    view = await services.add_comment(
        AddComment(
            ticket_id=ticket_id, body=body.body, public=body.public, uploads=tuple(body.uploads)
        ),
        principal=principal,
    )
    location = f"/v1/tickets/{ticket_id}/comments/{view.id}"
    return json_response(view, status_code=201, headers={"Location": location})


@router.get(
    "",
    operation_id="comments.list",
    response_model=CommentListResponse,
    responses=error_responses("unauthenticated", "ticket_not_found", "validation_failed"),
    summary="The conversation, oldest first (requesters see public replies only)",
)
async def list_comments(
    request: Request,
    ticket_id: TicketId,
    principal: CurrentPrincipal,
    services: AppServices,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    cursor: Annotated[IdCursor | None, Query(description="From next_cursor")] = None,
) -> Response:
    thread = await services.list_comments(
        ticket_id, principal=principal, after_id=int(cursor) if cursor else 0, limit=limit
    )
    return page(thread, str(thread[-1].id) if len(thread) == limit else None, request=request)


@router.get(
    "/{comment_id}",
    operation_id="comments.get",
    response_model=CommentResponse,
    responses=error_responses(
        "unauthenticated", "ticket_not_found", "comment_not_found", "validation_failed"
    ),
    summary="One comment of the conversation (requesters: public replies on their tickets)",
)
async def get_comment(
    ticket_id: TicketId,
    comment_id: CommentId,
    principal: CurrentPrincipal,
    services: AppServices,
) -> Response:
    view = await services.get_comment(ticket_id, comment_id, principal=principal)
    return json_response(view)
