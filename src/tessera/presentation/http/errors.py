"""The one error envelope (SPEC §4): the code-to-status table and the handlers that render it."""

from __future__ import annotations

import logging
from typing import Any, Final

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response
from starlette.routing import Match

from tessera.domain.errors import TesseraError
from tessera.presentation.http.schemas.errors import ErrorResponse

logger = logging.getLogger("tessera.http")

STATUS_BY_CODE: Final[dict[str, int]] = {
    "invalid_json": 400,
    "unauthenticated": 401,
    "forbidden": 403,
    "not_found": 404,
    "ticket_not_found": 404,
    "webhook_not_found": 404,
    "mailbox_not_found": 404,
    "delivery_not_found": 404,
    "token_not_found": 404,
    "comment_not_found": 404,
    "dead_letter_not_found": 404,
    "user_not_found": 404,
    "organization_not_found": 404,
    "group_not_found": 404,
    "attachment_not_found": 404,
    "method_not_allowed": 405,
    "invalid_status_transition": 409,
    "conflict": 409,
    "ticket_closed": 409,
    "idempotency_key_reused": 409,
    "replay_failed": 409,
    "webhook_disabled": 409,
    "precondition_failed": 412,
    "payload_too_large": 413,
    "headers_too_large": 431,
    "unsupported_media_type": 415,
    "range_not_satisfiable": 416,
    "validation_failed": 422,
    "rate_limited": 429,
    "internal_error": 500,
    "service_unavailable": 503,
    "schema_out_of_date": 503,
}

# Framework errors by status, for the statuses Starlette raises on its own.
_FRAMEWORK_ERRORS: Final[dict[int, tuple[str, str]]] = {
    400: ("invalid_json", "The request body could not be read as JSON"),
    404: ("not_found", "No such route"),
    405: ("method_not_allowed", "Method not allowed on this route"),
    413: ("payload_too_large", "The request body is larger than the limit"),
}
INTERNAL_MESSAGE: Final = "Internal server error"
RETRY_AFTER_SECONDS: Final = "5"


def error_body(code: str, message: str, details: Any, request_id: str | None) -> bytes:
    return orjson.dumps(
        {"error": message, "code": code, "details": details, "request_id": request_id}
    )


def error_response(
    code: str,
    message: str,
    *,
    details: Any = None,
    request_id: str | None,
    headers: dict[str, str] | None = None,
) -> Response:
    status = STATUS_BY_CODE.get(code, 500)
    all_headers = dict(headers or {})
    if status == 401:
        all_headers["WWW-Authenticate"] = 'Bearer realm="tessera"'
    if status == 503:
        all_headers.setdefault("Retry-After", RETRY_AFTER_SECONDS)
    return Response(
        error_body(code, message, details, request_id),
        status_code=status,
        media_type="application/json",
        headers=all_headers,
    )


def request_id_of(request: Request) -> str | None:
    return getattr(request.state, "request_id", None)


async def _tessera_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, TesseraError)
    if error.code not in STATUS_BY_CODE:
        return await _unhandled(request, error)
    return error_response(
        error.code, error.message, details=error.details, request_id=request_id_of(request)
    )


async def _validation_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, RequestValidationError)
    problems = error.errors()
    if any(p.get("type") == "json_invalid" for p in problems):
        return error_response(
            "invalid_json", "The request body is not valid JSON", request_id=request_id_of(request)
        )
    details = [{"field": _field_name(p["loc"]), "message": p["msg"]} for p in problems]
    return error_response(
        "validation_failed",
        "Validation failed",
        details=details,
        request_id=request_id_of(request),
    )


async def _http_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, StarletteHTTPException)
    known = _FRAMEWORK_ERRORS.get(error.status_code)
    if known is None:
        return await _unhandled(request, error)
    code, message = known
    headers = dict(error.headers or {})
    if error.status_code == 405:
        headers["Allow"] = allowed_methods(request)
    return error_response(code, message, request_id=request_id_of(request), headers=headers)


_METHODS: Final = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def allowed_methods(request: Request) -> str:
    """Every method some route of this path answers. Starlette names only the methods of the
    first route that matched the path, and each method of a path is its own route here; so
    each method is asked of the router (through ``matches``, which every route implements)."""
    routes = request.app.router.routes
    return ", ".join(
        method
        for method in _METHODS
        if any(
            route.matches({**request.scope, "method": method})[0] is Match.FULL for route in routes
        )
    )


async def _unhandled(request: Request, error: Exception) -> Response:
    log_unhandled(error, request_id=request_id_of(request), path=request.url.path)
    return error_response("internal_error", INTERNAL_MESSAGE, request_id=request_id_of(request))


async def _internal_error(request: Request, error: Exception) -> Response:
    return error_response("internal_error", INTERNAL_MESSAGE, request_id=request_id_of(request))


def log_unhandled(error: BaseException, *, request_id: str | None, path: str) -> None:
    logger.error("unhandled error", exc_info=error, extra={"request_id": request_id, "path": path})


def _field_name(loc: tuple[Any, ...] | list[Any]) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] in ("body", "query", "path", "header"):
        parts = parts[1:]
    return ".".join(parts) or "body"


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(TesseraError, _tessera_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    # Anything else: the framework's error layer answers 500 in the one shape and raises the
    # error on to the edge, which logs it once.
    app.add_exception_handler(Exception, _internal_error)


def error_responses(*codes: str) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` for a route, from the same table the handlers use."""
    responses: dict[int | str, dict[str, Any]] = {}
    for code in codes:
        status = STATUS_BY_CODE[code]
        entry = responses.setdefault(status, {"model": ErrorResponse, "description": ""})
        entry["description"] = ", ".join(filter(None, [entry["description"], code]))
    return responses
