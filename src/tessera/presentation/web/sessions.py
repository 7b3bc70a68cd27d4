"""The session cookie: the only place its flags are decided."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from tessera.presentation.web.paths import LOGIN_CSRF_COOKIE, SESSION_COOKIE


def set_session_cookie(response: Response, secret: str, *, max_age: int, secure: bool) -> None:
    """HttpOnly (no script reads it), SameSite=Lax (no cross-site POST carries it), Secure
    outside development and test (never over plain HTTP), for the whole site (the console
    and the portal share the static files, not the session: the audience is checked on use)."""
    response.set_cookie(
        SESSION_COOKIE,
        secret,
        max_age=max_age,
        path="/",
        secure=secure,
        httponly=True,
        samesite="lax",
    )


def clear_session_cookie(response: Response, *, secure: bool) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/", secure=secure, httponly=True, samesite="lax")


def set_login_csrf_cookie(response: Response, token: str, *, secure: bool) -> None:
    """Before login there is no session to hold the form's CSRF token: the token goes in this
    cookie and in the form, and the two must match (a cross-site page can set neither)."""
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        max_age=3600,
        path="/",
        secure=secure,
        httponly=True,
        samesite="lax",
    )


def session_secret(request: Request) -> str | None:
    return request.cookies.get(SESSION_COOKIE) or None
