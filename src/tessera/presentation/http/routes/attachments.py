"""Attachment routes: ``POST /v1/uploads``, ``GET /v1/attachments/{id}/content`` and a
ticket's files, ``GET /v1/tickets/{id}/attachments``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any, Final

from fastapi import APIRouter, Path, Query, Request
from starlette.responses import Response, StreamingResponse

from tessera.application.attachments.commands import UploadFile
from tessera.application.attachments.views import AttachmentContent
from tessera.presentation.files.disposition import content_disposition
from tessera.presentation.files.multipart import file_part
from tessera.presentation.http.dependencies import AppServices, CurrentPrincipal
from tessera.presentation.http.errors import error_response, error_responses, request_id_of
from tessera.presentation.http.links import UPLOAD_LINKS
from tessera.presentation.http.openapi import response_headers
from tessera.presentation.http.ranges import Unsatisfiable, etag_matches, requested_range
from tessera.presentation.http.rendering import json_response
from tessera.presentation.http.schemas.attachments import (
    AttachmentListResponse,
    UploadResponse,
)
from tessera.presentation.http.streamed import UPLOAD_PATH

router = APIRouter(tags=["attachments"])

AttachmentId = Annotated[int, Path(ge=1, le=2**63 - 1, description="The attachment's id")]
TicketId = Annotated[int, Path(ge=1, le=2**63 - 1, description="The ticket's id")]
_ANY_BYTES: Final = {"schema": {"type": "string", "format": "binary"}}
_UPLOAD_BODY: Final[dict[str, Any]] = {
    "required": True,
    "description": "The file: the raw bytes with their own Content-Type (name it with the "
    "`filename` query parameter), or multipart/form-data with a part named `file`",
    "content": {
        "application/octet-stream": _ANY_BYTES,
        "*/*": _ANY_BYTES,
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "properties": {"file": {"type": "string", "format": "binary"}},
                "required": ["file"],
            }
        },
    },
}
_CONTENT_HEADERS: Final = {
    "ETag": {"description": "The SHA-256 of the bytes, quoted", "schema": {"type": "string"}},
    "Content-Disposition": {
        "description": "attachment, with filename and RFC 6266 filename*",
        "schema": {"type": "string"},
    },
    "X-Content-Type-Options": {"schema": {"type": "string", "enum": ["nosniff"]}},
    "Accept-Ranges": {"schema": {"type": "string", "enum": ["bytes"]}},
}


@router.post(
    UPLOAD_PATH,
    status_code=201,
    response_model=UploadResponse,
    openapi_extra={"requestBody": _UPLOAD_BODY},
    responses={
        201: {"links": UPLOAD_LINKS, **response_headers("Location")},
        **error_responses(
            "unauthenticated", "payload_too_large", "unsupported_media_type", "validation_failed"
        ),
    },
    summary="Upload a file, to attach by its token to a new ticket or comment",
)
async def upload(
    request: Request,
    principal: CurrentPrincipal,
    services: AppServices,
    filename: Annotated[
        str | None,
        Query(max_length=1000, description="The file's name (raw bodies; multipart names it)"),
    ] = None,
) -> Response:
    content_type = request.headers.get("content-type")
    chunks: AsyncIterator[bytes] = request.stream()
    if content_type is not None and content_type.lower().startswith("multipart/form-data"):
        part = await file_part(content_type, chunks)
        filename, content_type, chunks = part.filename, part.content_type, part.chunks
    view = await services.upload_file(
        UploadFile(chunks=chunks, filename=filename, content_type=content_type),
        principal=principal,
    )
    location = f"/v1/attachments/{view.attachment.id}/content"
    return json_response(view, status_code=201, headers={"Location": location})


@router.get(
    "/v1/attachments/{attachment_id}/content",
    response_class=StreamingResponse,
    responses={
        200: {
            "description": "The bytes, as the file's content_type",
            "content": {"*/*": _ANY_BYTES},
            "headers": _CONTENT_HEADERS,
        },
        206: {
            "description": "The byte range asked for with `Range: bytes=start-end`",
            "content": {"*/*": _ANY_BYTES},
            "headers": {
                **_CONTENT_HEADERS,
                "Content-Range": {"schema": {"type": "string"}, "description": "bytes a-b/size"},
            },
        },
        304: {"description": "If-None-Match names the current ETag"},
        **error_responses(
            "unauthenticated", "attachment_not_found", "range_not_satisfiable", "validation_failed"
        ),
    },
    summary="Download a file (Range, If-None-Match); an internal note's files are for staff",
)
async def download(
    attachment_id: AttachmentId,
    request: Request,
    principal: CurrentPrincipal,
    services: AppServices,
) -> Response:
    content = await services.attachment_content(attachment_id, principal=principal)
    file = content.attachment
    etag = f'"{file.sha256}"'
    headers = {
        "ETag": etag,
        "Accept-Ranges": "bytes",
        "Content-Disposition": content_disposition(file.filename),
    }
    if etag_matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=headers)
    if_range = request.headers.get("if-range")
    asked = request.headers.get("range") if if_range in (None, etag) else None
    try:
        span = requested_range(asked, size=file.size)
    except Unsatisfiable:
        return error_response(
            "range_not_satisfiable",
            "The range lies outside the file",
            details={"size": file.size},
            request_id=request_id_of(request),
            headers={"Content-Range": f"bytes */{file.size}"},
        )
    if span is None:
        return _stream(content, 0, None, file.size, status=200, headers=headers)
    headers["Content-Range"] = f"bytes {span.start}-{span.end}/{file.size}"
    return _stream(content, span.start, span.end, span.end - span.start + 1, 206, headers)


def _stream(
    content: AttachmentContent,
    start: int,
    end: int | None,
    length: int,
    status: int,
    headers: dict[str, str],
) -> Response:
    return StreamingResponse(
        content.read(start, end),
        status_code=status,
        media_type=content.attachment.content_type,
        headers={**headers, "Content-Length": str(length)},
    )


@router.get(
    "/v1/tickets/{ticket_id}/attachments",
    response_model=AttachmentListResponse,
    responses=error_responses("unauthenticated", "ticket_not_found", "validation_failed"),
    summary="The ticket's files and its comments' (requesters: not internal notes')",
)
async def list_attachments(
    ticket_id: TicketId, principal: CurrentPrincipal, services: AppServices
) -> Response:
    found = await services.ticket_attachments(ticket_id, principal=principal)
    return json_response({"data": found})
