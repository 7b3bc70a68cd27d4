"""The console's ticket page (``/console/tickets/{id}``), its partials and the changes made
from it: replies and notes, the sidebar's fields (with the API's version rule), tags."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from tessera.application.comments.commands import AddComment
from tessera.application.errors import PreconditionFailedError
from tessera.application.services import Services
from tessera.application.tickets.commands import UpdateTicket
from tessera.application.tickets.stale_edit import StaleEdit, change_between, stale_edit
from tessera.domain.errors import (
    DomainValidationError,
    InvalidStatusTransitionError,
    TicketClosedError,
)
from tessera.presentation.web import ticket_page
from tessera.presentation.web.auth import ConsoleUser, PageUser, services_of
from tessera.presentation.web.paths import CONSOLE
from tessera.presentation.web.ticket_forms import (
    error_message,
    path_id,
    text,
    ticket_fields,
    version_of,
)
from tessera.presentation.web.ticket_templates import render_page

router = APIRouter(include_in_schema=False)
TICKET = f"{CONSOLE}/tickets/{{ticket_id}}"
# Errors the agent can act on from the page (422 and 409 in the API): said beside the form.
_COMMENT_ERRORS = (DomainValidationError, TicketClosedError)
_UPDATE_ERRORS = (DomainValidationError, InvalidStatusTransitionError)


def _context(user: PageUser, **values: Any) -> dict[str, Any]:
    return {"principal": user.principal, "csrf_token": user.csrf_token, **values}


@router.get(TICKET)
async def ticket(ticket_id: str, request: Request, user: ConsoleUser) -> Response:
    number = path_id(ticket_id)
    services = services_of(request)
    principal = user.principal
    talk = await ticket_page.conversation(services, number, principal=principal)
    # Announced at once, so that whoever is already here sees this agent before the live
    # stream (which keeps the entry fresh) has connected.
    await services.presence.announce(
        number, user_id=principal.user_id, name=principal.name, activity="viewing"
    )
    present = await services.presence.present(number)
    return render_page(
        request,
        "console/ticket.html",
        _context(
            user,
            ticket=talk.ticket,
            conversation=talk,
            sidebar=await ticket_page.sidebar(services, talk.ticket, principal=principal),
            history=await ticket_page.history(services, number, principal=principal),
            others=[p for p in present if p.user_id != principal.user_id],
            stale=None,
            oob=False,
        ),
    )


@router.get(f"{TICKET}/conversation")
async def conversation(ticket_id: str, request: Request, user: ConsoleUser) -> Response:
    talk = await ticket_page.conversation(
        services_of(request), path_id(ticket_id), principal=user.principal
    )
    return render_page(
        request,
        "console/ticket/conversation_update.html",
        _context(user, ticket=talk.ticket, conversation=talk, oob=True),
    )


@router.get(f"{TICKET}/sidebar")
async def sidebar(ticket_id: str, request: Request, user: ConsoleUser) -> Response:
    services = services_of(request)
    view = await services.get_ticket(path_id(ticket_id), principal=user.principal)
    side = await ticket_page.sidebar(services, view, principal=user.principal)
    return render_page(request, "console/ticket/sidebar.html", _context(user, sidebar=side))


@router.get(f"{TICKET}/sla")
async def sla(ticket_id: str, request: Request, user: ConsoleUser) -> Response:
    services = services_of(request)
    view = await services.get_ticket(path_id(ticket_id), principal=user.principal)
    clocks = await services.sla_countdown(view)
    return render_page(
        request, "console/ticket/sla.html", _context(user, ticket_id=view.id, clocks=clocks)
    )


@router.get(f"{TICKET}/history")
async def history(ticket_id: str, request: Request, user: ConsoleUser) -> Response:
    number = path_id(ticket_id)
    lines = await ticket_page.history(services_of(request), number, principal=user.principal)
    view = await services_of(request).get_ticket(number, principal=user.principal)
    return render_page(
        request, "console/ticket/history.html", _context(user, ticket=view, history=lines)
    )


@router.post(f"{TICKET}/comments")
async def add_comment(ticket_id: str, request: Request, user: ConsoleUser) -> Response:
    number = path_id(ticket_id)
    services = services_of(request)
    form = await request.form()
    command = AddComment(
        ticket_id=number,
        body=text(form, "body"),
        public=text(form, "visibility") != "internal",
        uploads=tuple(v for v in form.getlist("uploads") if isinstance(v, str) and v),
    )
    try:
        await services.add_comment(command, principal=user.principal)
    except _COMMENT_ERRORS as error:
        # The draft stays as it is in the page: only the message is swapped in.
        return render_page(
            request,
            "console/ticket/notice.html",
            {"message": error_message(error)},
            headers={"HX-Retarget": "#composer-feedback", "HX-Reswap": "innerHTML"},
        )
    principal = user.principal
    await services.presence.announce(
        number, user_id=principal.user_id, name=principal.name, activity="viewing"
    )
    talk = await ticket_page.conversation(services, number, principal=principal)
    side = await ticket_page.sidebar(services, talk.ticket, principal=principal)
    return render_page(
        request,
        "console/ticket/comment_sent.html",
        _context(user, ticket=talk.ticket, conversation=talk, sidebar=side, oob=True),
    )


@router.post(f"{TICKET}/fields")
async def save_fields(ticket_id: str, request: Request, user: ConsoleUser) -> Response:
    """The sidebar's change, made against the version the page showed (the API's If-Match):
    when the ticket moved on meanwhile nothing is overwritten; the page shows what changed."""
    number = path_id(ticket_id)
    services = services_of(request)
    form = await request.form()
    try:
        seen = ticket_fields(form, prefix="seen_")
        command = change_between(
            seen, ticket_fields(form), ticket_id=number, version=version_of(form)
        )
    except DomainValidationError as error:
        return await _sidebar_answer(request, services, user, number, error=error_message(error))
    try:
        view = await services.update_ticket(command, principal=user.principal)
    except PreconditionFailedError:
        current = await services.get_ticket(number, principal=user.principal)
        stale = stale_edit(seen=seen, yours=command, current=current)
        return await _sidebar_answer(request, services, user, number, stale=stale)
    except _UPDATE_ERRORS as error:
        return await _sidebar_answer(request, services, user, number, error=error_message(error))
    return await _sidebar_answer(request, services, user, view.id)


@router.post(f"{TICKET}/tags")
async def change_tags(ticket_id: str, request: Request, user: ConsoleUser) -> Response:
    """Adding or removing one tag commutes with any other change: no version is needed."""
    number = path_id(ticket_id)
    services = services_of(request)
    form = await request.form()
    add, remove = text(form, "add").strip().lower(), text(form, "remove").strip().lower()
    command = UpdateTicket(
        ticket_id=number,
        add_tags=(add,) if add else (),
        remove_tags=(remove,) if remove else (),
    )
    try:
        await services.update_ticket(command, principal=user.principal)
    except _UPDATE_ERRORS as error:
        return await _sidebar_answer(request, services, user, number, error=error_message(error))
    return await _sidebar_answer(request, services, user, number)


async def _sidebar_answer(
    request: Request,
    services: Services,
    user: PageUser,
    ticket_id: int,
    *,
    stale: StaleEdit | None = None,
    error: str | None = None,
) -> Response:
    """The sidebar as it is now, and the stale-edit panel beside it (emptied when the change
    went through)."""
    view = stale.current if stale is not None else None
    view = view or await services.get_ticket(ticket_id, principal=user.principal)
    side = await ticket_page.sidebar(services, view, principal=user.principal, error=error)
    return render_page(
        request,
        "console/ticket/fields_saved.html",
        _context(user, sidebar=side, stale=stale),
    )
