"""Files from the console: an upload (streamed, as ``POST /v1/uploads``) whose token the
composer sends with the reply, and a download of any file the agent may see."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from starlette.requests import Request
from starlette.responses import Response

from tessera.application.attachments.commands import UploadFile
from tessera.application.attachments.errors import RefusedTypeError
from tessera.application.ports.storage import BlobTooLargeError
from tessera.domain.errors import DomainValidationError
from tessera.presentation.files.disposition import page_download
from tessera.presentation.files.multipart import file_part
from tessera.presentation.web.auth import ConsoleUser, PageUser, console_user, services_of
from tessera.presentation.web.csrf import CsrfRefusedError
from tessera.presentation.web.paths import CONSOLE, CONSOLE_UPLOAD_PATH, CSRF_HEADER
from tessera.presentation.web.ticket_forms import error_message, path_id
from tessera.presentation.web.ticket_templates import render_page

router = APIRouter(include_in_schema=False)


async def streaming_upload_user(request: Request) -> PageUser:
    """The upload's body is streamed to storage, so its CSRF token must come in the header
    (htmx sends it): reading a form field would read the whole body first."""
    if not request.headers.get(CSRF_HEADER):
        raise CsrfRefusedError
    return await console_user(request)


@router.post(CONSOLE_UPLOAD_PATH)
async def upload(
    request: Request, user: Annotated[PageUser, Depends(streaming_upload_user)]
) -> Response:
    content_type = request.headers.get("content-type", "")
    try:
        if not content_type.lower().startswith("multipart/form-data"):
            raise DomainValidationError.single("file", "send the file as a form's file field")
        part = await file_part(content_type, request.stream())
        uploaded = await services_of(request).upload_file(
            UploadFile(chunks=part.chunks, filename=part.filename, content_type=part.content_type),
            principal=user.principal,
        )
    except (BlobTooLargeError, RefusedTypeError, DomainValidationError) as error:
        return render_page(
            request, "console/ticket/upload_failed.html", {"message": error_message(error)}
        )
    return render_page(request, "console/ticket/upload.html", {"upload": uploaded})


@router.get(f"{CONSOLE}/attachments/{{attachment_id}}")
async def download(attachment_id: str, request: Request, user: ConsoleUser) -> Response:
    """Always a download (``Content-Disposition: attachment``, and the pages' nosniff): a
    file never renders as a page of this site."""
    content = await services_of(request).attachment_content(
        path_id(attachment_id), principal=user.principal
    )
    return page_download(content)
