"""The console's entry: log in, log out, and the ticket views."""

from __future__ import annotations

import secrets

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from tessera.application.errors import NotFoundError, RateLimitedError, UnauthenticatedError
from tessera.application.people.views import GroupView, UserView
from tessera.application.ports.people import UserFilter
from tessera.application.services import Services
from tessera.application.tickets.commands import BulkUpdateTickets, UpdateTicket
from tessera.application.web_sessions.sessions import Audience, LogIn
from tessera.domain.access.principal import Principal
from tessera.domain.people.users import UserRole
from tessera.domain.tickets.ticket import UNSET
from tessera.presentation.web.auth import ConsoleUser, PageUser, safe_next, services_of
from tessera.presentation.web.client import client_address, is_htmx
from tessera.presentation.web.csrf import CsrfRefusedError
from tessera.presentation.web.options import options_of
from tessera.presentation.web.paths import CONSOLE, CSRF_FIELD, LOGIN_CSRF_COOKIE
from tessera.presentation.web.sessions import (
    clear_session_cookie,
    session_secret,
    set_login_csrf_cookie,
    set_session_cookie,
)
from tessera.presentation.web.templating import render
from tessera.presentation.web.views import (
    DEFAULT_VIEW,
    PRIORITIES,
    SORTS,
    STATUSES,
    VIEWS,
    VIEWS_BY_SLUG,
    Filters,
)

router = APIRouter(include_in_schema=False)
PEOPLE = 100  # agents and groups offered in the filters
COUNT_CAP = 1000


def _login_page(
    request: Request, *, next_path: str, message: str = "", email: str = "", status: int = 200
) -> Response:
    token = secrets.token_urlsafe(32)
    response = render(
        request,
        "console/login.html",
        {"next": next_path, "message": message, "email": email, "login_csrf": token},
        status_code=status,
    )
    set_login_csrf_cookie(response, token, secure=options_of(request).secure_cookies)
    return response


@router.get(f"{CONSOLE}/login")
async def login_form(request: Request) -> Response:
    return _login_page(request, next_path=safe_next(request.query_params.get("next")))


@router.post(f"{CONSOLE}/login")
async def log_in(request: Request) -> Response:
    form = await request.form()
    email, password = str(form.get("email", "")), str(form.get("password", ""))
    next_path = safe_next(str(form.get("next", "")))
    expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    given = str(form.get(CSRF_FIELD, ""))
    if not expected or not given or not secrets.compare_digest(expected, given):
        raise CsrfRefusedError
    try:
        started = await services_of(request).log_in(
            LogIn(
                email=email,
                password=password,
                client=client_address(request),
                audience=Audience.STAFF,
            )
        )
    except RateLimitedError as error:
        return _login_page(
            request, next_path=next_path, message=error.message, email=email, status=429
        )
    except UnauthenticatedError as error:
        return _login_page(
            request, next_path=next_path, message=error.message, email=email, status=401
        )
    response = RedirectResponse(next_path, status_code=303)
    secure = options_of(request).secure_cookies
    # Always the new session's secret: whatever cookie came in is replaced (no fixation).
    max_age = int((started.expires_at - started.created_at).total_seconds())
    set_session_cookie(response, started.secret, max_age=max_age, secure=secure)
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/")
    return response


@router.post(f"{CONSOLE}/logout")
async def log_out(request: Request, user: ConsoleUser) -> Response:
    await services_of(request).log_out(session_secret(request))
    response = RedirectResponse(f"{CONSOLE}/login", status_code=303)
    clear_session_cookie(response, secure=options_of(request).secure_cookies)
    return response


@router.get(CONSOLE)
async def console_home(user: ConsoleUser) -> Response:
    return RedirectResponse(f"{CONSOLE}/views/{DEFAULT_VIEW}", status_code=303)


@router.get(CONSOLE + "/views/{slug}")
async def console_view(request: Request, slug: str, user: ConsoleUser) -> Response:
    view = VIEWS_BY_SLUG.get(slug)
    if view is None:
        raise NotFoundError("There is no such view")
    filters = Filters.parse(request.query_params)
    services = services_of(request)
    principal = user.principal
    page = await services.list_tickets(filters.applied(view, user), principal=principal)
    partial = is_htmx(request) and request.headers.get("hx-target") == "ticket-list"
    agents, groups = await _people(services, principal)
    context = {
        "principal": principal,
        "csrf_token": user.csrf_token,
        "view": view,
        "live": True,
        "filters": filters,
        "page": page,
        "agents": agents,
        "agent_names": {a.id: a.name for a in agents},
        "groups": groups,
        "group_names": {g.id: g.name for g in groups},
        "sorts": SORTS,
        "statuses": STATUSES,
        "priorities": PRIORITIES,
        "list_url": f"{CONSOLE}/views/{view.slug}?{filters.query_string()}",
        "updated": _count_param(request.query_params.get("updated")),
    }
    if partial:
        return render(request, "console/_ticket_list.html", context)
    # The whole page comes with its counts: no second request, no navigation that fills in.
    context["counts"] = await _counts(services, user)
    return render(request, "console/views.html", context)


@router.get(CONSOLE + "/counts")
async def view_counts(request: Request, user: ConsoleUser) -> Response:
    """The views' navigation with a count each: for the pages that leave the counts out
    (the ticket page) and whenever the live stream signals a change."""
    view = VIEWS_BY_SLUG.get(request.query_params.get("view", ""))
    context = {
        "principal": user.principal,
        "counts": await _counts(services_of(request), user),
        "live": request.query_params.get("live") == "1",
        **({"view": view} if view is not None else {}),
    }
    return render(request, "console/_nav.html", context)


async def _counts(services: Services, user: PageUser) -> dict[str, str]:
    """Each view's count as the navigation shows it, all in one count query; beyond
    COUNT_CAP a count reads "1000+" (counting every one of 100,000 open tickets would cost
    more than the view itself), so a large view costs no more than a small one."""
    counts = await services.count_tickets(
        [v.query(user) for v in VIEWS], principal=user.principal, up_to=COUNT_CAP + 1
    )
    return {
        v.slug: str(n) if n <= COUNT_CAP else f"{COUNT_CAP}+"
        for v, n in zip(VIEWS, counts, strict=True)
    }


async def _people(
    services: Services, principal: Principal
) -> tuple[list[UserView], list[GroupView]]:
    """Who may be assigned (active agents and admins) and the groups, for the filters and the
    names in the list: three queries whatever the number of tickets shown."""
    staff: list[UserView] = []
    for role in (UserRole.AGENT, UserRole.ADMIN):
        found = await services.list_users(
            UserFilter(role=role, active=True), principal=principal, after_id=0, limit=PEOPLE
        )
        staff.extend(found.items)
    groups = await services.list_groups(principal=principal, after_id=0, limit=PEOPLE)
    return sorted(staff, key=lambda u: u.name.lower()), groups.items


def _count_param(raw: str | None) -> int | None:
    return int(raw) if raw and raw.isdigit() and len(raw) < 4 else None


@router.post(CONSOLE + "/bulk")
async def bulk_update(request: Request, user: ConsoleUser) -> Response:
    """Select tickets, then set their status or assignee: one use case call, all or none."""
    form = await request.form()
    ids = tuple(int(raw) for raw in form.getlist("ids") if isinstance(raw, str) and raw.isdigit())
    back = safe_next(str(form.get("return_to", "")), within=f"{CONSOLE}/views/")
    if not ids:
        return RedirectResponse(back, status_code=303)
    status, assignee = str(form.get("status", "")), str(form.get("assignee", ""))
    changes = UpdateTicket(
        ticket_id=0,
        status=status if status else UNSET,
        assignee_id=(
            None if assignee == "none" else int(assignee) if assignee.isdigit() else UNSET
        ),
    )
    if changes.status is UNSET and changes.assignee_id is UNSET:
        return RedirectResponse(back, status_code=303)
    updated = await services_of(request).bulk_update(
        BulkUpdateTickets(ticket_ids=ids, changes=changes), principal=user.principal
    )
    separator = "&" if "?" in back else "?"
    return RedirectResponse(f"{back}{separator}updated={len(updated)}", status_code=303)
