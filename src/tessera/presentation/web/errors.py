"""Errors on web paths are pages (a 404 page, a 403 page), never the API's JSON nor a 500;
every other path keeps the API's handlers."""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from typing import Any, Final

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from tessera.application.errors import (
    ConflictError,
    ForbiddenError,
    NotFoundError,
    PreconditionFailedError,
    RateLimitedError,
    ServiceUnavailableError,
    UnauthenticatedError,
)
from tessera.domain.errors import DomainValidationError, TesseraError
from tessera.presentation.web.auth import LoginRequiredError
from tessera.presentation.web.csrf import CsrfRefusedError
from tessera.presentation.web.paths import is_web_path
from tessera.presentation.web.templating import render

Handler = Callable[[Request, Exception], Awaitable[Response]]

_TITLES: Final = {
    400: "Bad request",
    401: "Log in first",
    403: "Forbidden",
    404: "Not found",
    405: "Not allowed",
    409: "Conflict",
    412: "Changed meanwhile",
    413: "Too large",
    422: "Check the form",
    429: "Too many requests",
    503: "Unavailable",
}
_STATUS_BY_ERROR: Final[tuple[tuple[type[TesseraError], int], ...]] = (
    (NotFoundError, 404),
    (ForbiddenError, 403),
    (UnauthenticatedError, 401),
    (DomainValidationError, 422),
    (PreconditionFailedError, 412),
    (ConflictError, 409),
    (RateLimitedError, 429),
    (ServiceUnavailableError, 503),
)


def error_page(request: Request, status: int, message: str) -> Response:
    title = _TITLES.get(status, "Error")
    return render(
        request,
        "error.html",
        {"title": title, "message": message, "status": status},
        status_code=status,
    )


def status_of(error: TesseraError) -> int:
    return next((status for kind, status in _STATUS_BY_ERROR if isinstance(error, kind)), 400)


async def _login_required(request: Request, error: Exception) -> Response:
    assert isinstance(error, LoginRequiredError)
    if request.headers.get("hx-request") == "true":  # htmx follows this header, not a 303
        return Response(status_code=204, headers={"HX-Redirect": error.location})
    return RedirectResponse(error.location, status_code=303)


async def _csrf_refused(request: Request, error: Exception) -> Response:
    return error_page(
        request, 403, "The form was missing its security token or it was stale; reload the page."
    )


def _for_pages(api: Callable[..., Any] | None, page: Handler) -> Handler:
    async def handler(request: Request, error: Exception) -> Response:
        if is_web_path(request.url.path) or api is None:
            return await page(request, error)
        answer = api(request, error)
        response: Response = await answer if inspect.isawaitable(answer) else answer
        return response

    return handler


async def _tessera_page(request: Request, error: Exception) -> Response:
    assert isinstance(error, TesseraError)
    return error_page(request, status_of(error), error.message)


async def _http_page(request: Request, error: Exception) -> Response:
    assert isinstance(error, StarletteHTTPException)
    status = error.status_code if error.status_code in _TITLES else 400
    message = "There is no such page." if status == 404 else str(error.detail)
    return error_page(request, status, message)


async def _validation_page(request: Request, error: Exception) -> Response:
    return error_page(request, 422, "Some of the values given are not valid.")


def install_page_errors(app: FastAPI) -> None:
    """Wraps the API's handlers (installed first) so that web paths get pages."""
    handlers = app.exception_handlers
    for kind, page in (
        (TesseraError, _tessera_page),
        (StarletteHTTPException, _http_page),
        (RequestValidationError, _validation_page),
    ):
        app.add_exception_handler(kind, _for_pages(handlers.get(kind), page))
    app.add_exception_handler(LoginRequiredError, _login_required)
    app.add_exception_handler(CsrfRefusedError, _csrf_refused)
