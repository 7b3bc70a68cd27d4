"""The portal's entry: a customer asks for a login link by e-mail, opens it, logs out.

Customers have no password (SPEC §13): the mailed link is their only way in. Opening the
link shows a page with one button; the button's POST redeems the link. A mail scanner that
fetches every link in a mail therefore cannot spend it before the customer clicks."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Mapping

from fastapi import APIRouter
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from tessera.application.errors import RateLimitedError, UnauthenticatedError
from tessera.application.web_sessions.login_links import (
    LINK_PATH,
    RequestLoginLink,
    RequestLoginLinkHandler,
)
from tessera.presentation.web.auth import PortalUser, safe_next, services_of
from tessera.presentation.web.client import client_address
from tessera.presentation.web.csrf import CsrfRefusedError
from tessera.presentation.web.options import options_of
from tessera.presentation.web.paths import CSRF_FIELD, LOGIN_CSRF_COOKIE, PORTAL
from tessera.presentation.web.sessions import (
    clear_session_cookie,
    session_secret,
    set_login_csrf_cookie,
    set_session_cookie,
)
from tessera.presentation.web.templating import render

router = APIRouter(include_in_schema=False)
logger = logging.getLogger("tessera.web")
LINK_SENT = (
    "If {email} belongs to an account, a link to log in is on its way there. "
    "It works once, for a short while."
)


def _with_login_csrf(
    request: Request, template: str, context: Mapping[str, object], *, status: int = 200
) -> Response:
    """A page with a form that is sent before there is a session: its CSRF token is in the
    form and in a cookie, and the two must match."""
    token = secrets.token_urlsafe(32)
    response = render(request, template, {**context, "login_csrf": token}, status_code=status)
    set_login_csrf_cookie(response, token, secure=options_of(request).secure_cookies)
    return response


async def _check_login_csrf(request: Request) -> None:
    form = await request.form()
    expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    given = form.get(CSRF_FIELD, "")
    if not expected or not isinstance(given, str) or not given:
        raise CsrfRefusedError
    if not secrets.compare_digest(expected, given):
        raise CsrfRefusedError


def _next(raw: object) -> str:
    """Where to go after login: a portal page only (never another site), the list if none."""
    path = safe_next(raw if isinstance(raw, str) else "", within=PORTAL)
    return "" if path in (PORTAL, f"{PORTAL}/tickets") else path


@router.get(f"{PORTAL}/login")
async def login_form(request: Request) -> Response:
    context = {
        "message": "",
        "email": "",
        "sent": "",
        "next": _next(request.query_params.get("next")),
    }
    return _with_login_csrf(request, "portal/login.html", context)


@router.post(f"{PORTAL}/login")
async def request_link(request: Request) -> Response:
    """The same answer whether or not the address has an account (nobody learns which
    addresses do); only too many requests are told apart, for every address alike."""
    await _check_login_csrf(request)
    form = await request.form()
    email = str(form.get("email", "")).strip()[:254]
    next_path = _next(form.get("next"))
    command = RequestLoginLink(
        email=email,
        client=client_address(request),
        site_url=str(request.base_url),
        next_path=next_path,
    )
    request_link = services_of(request).request_login_link
    try:
        await request_link.admit(command)
    except RateLimitedError as error:
        return _with_login_csrf(
            request,
            "portal/login.html",
            {"message": error.message, "email": email, "sent": "", "next": next_path},
            status=429,
        )
    response = _with_login_csrf(
        request,
        "portal/login.html",
        {
            "message": "",
            "email": "",
            "sent": LINK_SENT.format(email=email or "the address"),
            "next": next_path,
        },
    )
    # After the answer is sent: looking the address up and queueing the mail takes time only
    # when there is an account, and the answer must not show which.
    response.background = BackgroundTask(_deliver, request_link, command)
    return response


async def _deliver(request_link: RequestLoginLinkHandler, command: RequestLoginLink) -> None:
    try:
        await request_link.deliver(command)
    except Exception:  # the answer is sent: nobody else would hear of it
        logger.exception("queueing a portal login link failed")


@router.get(LINK_PATH)
async def link_page(request: Request) -> Response:
    """Nothing is spent by opening the link: the button below does it."""
    token = request.query_params.get("token", "")[:200]
    context = {"token": token, "next": _next(request.query_params.get("next"))}
    return _with_login_csrf(request, "portal/link.html", context)


@router.post(LINK_PATH)
async def redeem_link(request: Request) -> Response:
    await _check_login_csrf(request)
    form = await request.form()
    token = str(form.get("token", ""))
    go_to = _next(form.get("next")) or f"{PORTAL}/tickets"
    try:
        started = await services_of(request).redeem_login_link(token)
    except UnauthenticatedError as error:
        return _with_login_csrf(
            request,
            "portal/login.html",
            {"message": error.message, "email": "", "sent": "", "next": ""},
            status=401,
        )
    await services_of(request).log_out(session_secret(request))  # any earlier one ends
    response = RedirectResponse(go_to, status_code=303)
    # Always the new session's secret: whatever cookie came in is replaced (no fixation).
    max_age = int((started.expires_at - started.created_at).total_seconds())
    secure = options_of(request).secure_cookies
    set_session_cookie(response, started.secret, max_age=max_age, secure=secure)
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/")
    return response


@router.post(f"{PORTAL}/logout")
async def log_out(request: Request, user: PortalUser) -> Response:
    await services_of(request).log_out(session_secret(request))
    response = RedirectResponse(f"{PORTAL}/login", status_code=303)
    clear_session_cookie(response, secure=options_of(request).secure_cookies)
    return response
