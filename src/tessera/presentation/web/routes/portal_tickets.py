"""The portal's pages: the customer's tickets (and their organization's when it shares),
a ticket's public conversation with a reply form, a new ticket, and the files they may see.
Every read and change goes through the API's use cases with the customer's principal."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from tessera.application.attachments.errors import RefusedTypeError
from tessera.application.comments.commands import AddComment
from tessera.application.errors import ForbiddenError
from tessera.application.ports.storage import BlobTooLargeError
from tessera.application.queries import ListTickets, TicketSort
from tessera.application.tickets.commands import CreateTicket
from tessera.domain.errors import DomainValidationError, TicketClosedError
from tessera.presentation.files.disposition import page_download
from tessera.presentation.web import portal_page
from tessera.presentation.web.auth import PageUser, PortalUser, services_of
from tessera.presentation.web.paths import PORTAL
from tessera.presentation.web.templating import render
from tessera.presentation.web.ticket_forms import error_message, path_id, text
from tessera.presentation.web.ticket_templates import render_page  # also its filters

router = APIRouter(include_in_schema=False)
TICKET = f"{PORTAL}/tickets/{{ticket_id}}"
PAGE_SIZE = 25
# What the customer can put right in the form (said beside it, the draft kept).
_FORM_ERRORS = (DomainValidationError, BlobTooLargeError, RefusedTypeError, TicketClosedError)


def _context(user: PageUser, **values: Any) -> dict[str, Any]:
    return {"principal": user.principal, "csrf_token": user.csrf_token, **values}


@router.get(PORTAL)
async def portal_home(user: PortalUser) -> Response:
    return RedirectResponse(f"{PORTAL}/tickets", status_code=303)


@router.get(f"{PORTAL}/tickets")
async def my_tickets(request: Request, user: PortalUser) -> Response:
    cursor = request.query_params.get("cursor") or None
    page = await services_of(request).list_tickets(
        ListTickets(sort=TicketSort.UPDATED_AT_DESC, limit=PAGE_SIZE, cursor=cursor),
        principal=user.principal,
    )
    return render_page(request, "portal/tickets.html", _context(user, page=page))


@router.get(f"{PORTAL}/tickets/new")
async def new_ticket(request: Request, user: PortalUser) -> Response:
    return render_page(
        request, "portal/new_ticket.html", _context(user, title="", description="", message="")
    )


@router.post(f"{PORTAL}/tickets")
async def file_ticket(request: Request, user: PortalUser) -> Response:
    services = services_of(request)
    form = await request.form()
    title, description = text(form, "title"), text(form, "description")
    principal = user.principal
    try:
        if principal.email is None:  # a customer always has an address; this keeps it so
            raise ForbiddenError("Only a customer with an e-mail address files tickets here")
        uploads = await portal_page.upload_all(services, form, principal=principal)
        view = await services.create_ticket(
            CreateTicket(
                title=title,
                description=description,
                customer_email=str(principal.email),
                channel="portal",
                uploads=uploads,
            ),
            principal=principal,
        )
    except _FORM_ERRORS as error:
        return render(
            request,
            "portal/new_ticket.html",
            _context(user, title=title, description=description, message=error_message(error)),
            status_code=422,
        )
    return RedirectResponse(f"{PORTAL}/tickets/{view.id}", status_code=303)


async def _ticket_page(
    request: Request, user: PageUser, ticket_id: int, *, draft: str = "", message: str = ""
) -> dict[str, Any]:
    talk = await portal_page.conversation(services_of(request), ticket_id, principal=user.principal)
    return _context(
        user,
        ticket=talk.ticket,
        conversation=talk,
        authors={c.id: portal_page.author_of(c, user.principal) for c in talk.comments},
        draft=draft,
        message=message,
    )


@router.get(TICKET)
async def ticket(ticket_id: str, request: Request, user: PortalUser) -> Response:
    context = await _ticket_page(request, user, path_id(ticket_id))
    return render_page(request, "portal/ticket.html", context)


@router.post(f"{TICKET}/comments")
async def reply(ticket_id: str, request: Request, user: PortalUser) -> Response:
    number = path_id(ticket_id)
    services = services_of(request)
    form = await request.form()
    body = text(form, "body")
    try:
        await services.get_ticket(number, principal=user.principal)  # 404 before any upload
        uploads = await portal_page.upload_all(services, form, principal=user.principal)
        await services.add_comment(
            AddComment(ticket_id=number, body=body, public=True, uploads=uploads),
            principal=user.principal,
        )
    except _FORM_ERRORS as error:
        context = await _ticket_page(
            request, user, number, draft=body, message=error_message(error)
        )
        return render(request, "portal/ticket.html", context, status_code=422)
    return RedirectResponse(f"{PORTAL}/tickets/{number}#latest", status_code=303)


@router.get(f"{PORTAL}/attachments/{{attachment_id}}")
async def download(attachment_id: str, request: Request, user: PortalUser) -> Response:
    """Only files the customer may see (an internal note's are 404, as in the API); always a
    download, never rendered as a page of this site."""
    content = await services_of(request).attachment_content(
        path_id(attachment_id), principal=user.principal
    )
    return page_download(content)
