"""Who is asking: the page dependencies that give a route the logged-in ``Principal`` (or
send the browser to the login page), with the CSRF check of every unsafe request."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends
from starlette.requests import Request

from tessera.application.errors import UnauthenticatedError
from tessera.application.services import Services
from tessera.application.web_sessions.sessions import Audience
from tessera.domain.access.principal import Principal
from tessera.presentation.web.csrf import check_csrf
from tessera.presentation.web.paths import CONSOLE, PORTAL
from tessera.presentation.web.sessions import session_secret


@dataclass(frozen=True, slots=True)
class PageUser:
    """The logged-in person and the CSRF token every form and htmx request of theirs sends."""

    principal: Principal
    csrf_token: str
    groups: frozenset[int] = frozenset()


class LoginRequiredError(Exception):
    """No valid session: the browser goes to ``login_path`` (and comes back to ``next``)."""

    def __init__(self, login_path: str, next_path: str) -> None:
        super().__init__(login_path)
        self.login_path = login_path
        self.next_path = next_path

    @property
    def location(self) -> str:
        return f"{self.login_path}?next={quote(self.next_path, safe='/')}"


def services_of(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


def page_user(audience: Audience, login_path: str) -> Callable[[Request], Awaitable[PageUser]]:
    async def dependency(request: Request) -> PageUser:
        try:
            found = await services_of(request).resolve_session(
                session_secret(request), audience=audience
            )
        except UnauthenticatedError:
            # Back to this page after login, within its own section (console or portal).
            back = safe_next(request.url.path, within=login_path.removesuffix("/login"))
            raise LoginRequiredError(login_path, back) from None
        request.state.principal = found.principal  # for the access log
        await check_csrf(request, found.csrf_token)  # raises CsrfRefusedError: a 403 page
        return PageUser(principal=found.principal, csrf_token=found.csrf_token, groups=found.groups)

    return dependency


def safe_next(path: str | None, *, within: str = CONSOLE) -> str:
    """Only a path of this site's section: never another host (no open redirect)."""
    if path and path.startswith(within) and not path.startswith("//") and "\\" not in path:
        return path
    return within


console_user = page_user(Audience.STAFF, f"{CONSOLE}/login")
portal_user = page_user(Audience.CUSTOMER, f"{PORTAL}/login")

ConsoleUser = Annotated[PageUser, Depends(console_user)]
PortalUser = Annotated[PageUser, Depends(portal_user)]
