"""The console's entry: log in, log out, and the ticket views."""

from __future__ import annotations

import secrets

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from tessera.application.errors import RateLimitedError, UnauthenticatedError
from tessera.application.web_sessions.sessions import Audience, LogIn
from tessera.presentation.web.auth import ConsoleUser, safe_next, services_of
from tessera.presentation.web.client import client_address
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

router = APIRouter(include_in_schema=False)


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
async def console_home(request: Request, user: ConsoleUser) -> Response:
    return render(
        request,
        "console/home.html",
        {"principal": user.principal, "csrf_token": user.csrf_token},
    )
