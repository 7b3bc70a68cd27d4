"""Dead-letter routes: ``/v1/dead-letters`` (admins)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from starlette.responses import Response

from tessera.presentation.http.dependencies import AppServices, CurrentPrincipal
from tessera.presentation.http.errors import error_responses
from tessera.presentation.http.rendering import json_response, page
from tessera.presentation.http.schemas.dead_letters import (
    DeadLetterListResponse,
    DeadLetterResponse,
)

router = APIRouter(prefix="/v1/dead-letters", tags=["events"])

Cursor = Annotated[str | None, Query(pattern=r"^\d{1,18}$", description="From next_cursor")]
Limit = Annotated[int, Query(ge=1, le=100)]
_AUTH = ("unauthenticated", "forbidden")


@router.get(
    "",
    operation_id="dead_letters.list",
    response_model=DeadLetterListResponse,
    responses=error_responses(*_AUTH, "validation_failed"),
    summary="Events a consumer gave up on after the configured number of deliveries",
)
async def list_dead_letters(
    request: Request,
    principal: CurrentPrincipal,
    services: AppServices,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Response:
    found = await services.list_dead_letters(
        principal=principal, after_id=int(cursor) if cursor else 0, limit=limit
    )
    return page(found, str(found[-1].id) if len(found) == limit else None, request=request)


@router.post(
    "/{dead_letter_id}/replay",
    operation_id="dead_letters.replay",
    response_model=DeadLetterResponse,
    responses=error_responses(
        *_AUTH, "dead_letter_not_found", "replay_failed", "validation_failed"
    ),
    summary="Hand the event to its consumer again; on success the dead letter is removed",
)
async def replay_dead_letter(
    dead_letter_id: Annotated[int, Path(ge=1, le=2**63 - 1)],
    principal: CurrentPrincipal,
    services: AppServices,
) -> Response:
    replayed = await services.replay_dead_letter(dead_letter_id, principal=principal)
    return json_response(replayed)
