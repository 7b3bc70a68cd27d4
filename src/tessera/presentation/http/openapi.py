"""The OpenAPI document as the server really answers (SPEC §12).

FastAPI describes what the routes declare; the middleware answers more than that on every
route: 401 from the bearer check, 413/415/400 from the body guards, 409/422 from
``Idempotency-Key``, 429 from the rate limit, 431 from the header guard, 503 from the
database and the schema gate, and the headers each of them adds. Those are added here, once,
from the same code-to-status table the handlers render, so a route cannot forget them."""

from __future__ import annotations

import copy
from typing import Any, Final

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute

from tessera.presentation.http.errors import STATUS_BY_CODE

BEARER: Final = "bearer"
_ERROR_REF: Final = {"$ref": "#/components/schemas/ErrorResponse"}
_BODY_METHODS: Final = frozenset({"post", "put", "patch"})

# Every operation: the header guard, and the last-resort 500 (a bug; nothing internal leaks).
_EVERY: Final = ("headers_too_large", "internal_error")
# Every /v1 operation: the bearer check, parameter validation, the rate limit, the database
# (or the schema gate) being unavailable.
_EVERY_V1: Final = (
    "unauthenticated",
    "validation_failed",
    "rate_limited",
    "service_unavailable",
    "schema_out_of_date",
)
# Every POST/PATCH: the body guards of the edge (RequestGuards) and the JSON reader.
_EVERY_BODY: Final = ("invalid_json", "payload_too_large", "unsupported_media_type")
# Every POST: Idempotency-Key (a key still in flight, a key reused for another body).
_EVERY_POST: Final = ("conflict", "idempotency_key_reused")

_MESSAGES: Final = {
    "invalid_json": "The request body is not valid JSON",
    "unauthenticated": "Missing or invalid bearer token",
    "forbidden": "Your role may not do this",
    "method_not_allowed": "Method not allowed on this route",
    "precondition_failed": "The ticket has changed since you read it",
    "payload_too_large": "The request body is larger than the limit",
    "headers_too_large": "The request headers are larger than the limit",
    "unsupported_media_type": "The request body must be application/json",
    "validation_failed": "Validation failed",
    "rate_limited": "Too many requests; slow down",
    "service_unavailable": "The service is unavailable; try again shortly",
    "internal_error": "Internal server error",
}
_DETAILS: Final = {"validation_failed": [{"field": "title", "message": "Field required"}]}

_INTEGER: Final = {"type": "integer", "minimum": 0}
HEADERS: Final[dict[str, dict[str, Any]]] = {
    "X-Request-ID": {
        "description": "The request's id (yours when you sent a sane X-Request-ID)",
        "required": True,
        "schema": {"type": "string", "maxLength": 128},
    },
    "RateLimit-Limit": {
        "description": "Requests allowed per window (when rate limiting is on)",
        "schema": _INTEGER,
    },
    "RateLimit-Remaining": {
        "description": "Requests left in this window (when rate limiting is on)",
        "schema": _INTEGER,
    },
    "RateLimit-Reset": {
        "description": "Seconds until the window resets (when rate limiting is on)",
        "schema": _INTEGER,
    },
    "Retry-After": {
        "description": "Seconds to wait before trying again",
        "required": True,
        "schema": _INTEGER,
    },
    "WWW-Authenticate": {
        "description": 'Always `Bearer realm="tessera"`',
        "required": True,
        "schema": {"type": "string"},
    },
    "ETag": {
        "description": 'The ticket\'s version, e.g. `"42-3"`: send it as If-Match or If-None-Match',
        "required": True,
        "schema": {"type": "string"},
    },
    "Location": {
        "description": "Where the created resource is read",
        "required": True,
        "schema": {"type": "string"},
    },
    "Idempotent-Replayed": {
        "description": "`true` when this is the kept answer to an earlier request with the "
        "same Idempotency-Key",
        "schema": {"type": "string", "enum": ["true"]},
    },
}
IDEMPOTENCY_KEY: Final = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": "Send a POST twice safely: a retry with the same key and body gets the "
    "first answer again (with `Idempotent-Replayed: true`) for 24 hours; the same key with "
    "another body is 409 `idempotency_key_reused`",
    "schema": {"type": "string", "pattern": "^[\\x21-\\x7e]{1,255}$"},
    "example": "3f1c6a52-5b7e-4d2e-9c1a-8f0b6d4e2a17",
}


def operation_id(route: APIRoute) -> str:
    """``<tag>.<function>`` for a route that names no ``operation_id`` of its own."""
    tag = str(route.tags[0]) if route.tags else "tessera"
    return f"{tag}.{route.name}"


def install_openapi(app: FastAPI) -> None:
    """Replace ``app.openapi`` with one that builds the complete document once."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = get_openapi(
                title=app.title,
                version=app.version,
                openapi_version=app.openapi_version,
                description=app.description,
                routes=app.routes,
                tags=app.openapi_tags,
            )
            app.openapi_schema = complete(document)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def complete(document: dict[str, Any]) -> dict[str, Any]:
    """The document with what the middleware answers, on every operation."""
    components = document.setdefault("components", {})
    components.setdefault("securitySchemes", {})[BEARER] = {
        "type": "http",
        "scheme": "bearer",
        "description": "An API token: `Authorization: Bearer tsr_...`",
    }
    components["headers"] = copy.deepcopy(HEADERS)
    schemas = components.setdefault("schemas", {})
    for framework_only in ("HTTPValidationError", "ValidationError"):
        schemas.pop(framework_only, None)
    for schema in schemas.values():
        _restore_nulls(schema)
    for path, item in document["paths"].items():
        for method, operation in item.items():
            _complete_operation(path, method, operation)
            _add_success_examples(operation, schemas)
    return document


def _complete_operation(path: str, method: str, operation: dict[str, Any]) -> None:
    for parameter in operation.get("parameters", []):
        parameter["schema"] = _not_null(parameter["schema"])
    responses: dict[str, Any] = operation["responses"]
    if "HTTPValidationError" in str(responses.get("422")):  # FastAPI's own: never answered
        responses["422"] = {}
    v1 = path.startswith("/v1/")
    if v1:
        operation["security"] = [{BEARER: []}]
    if v1 and method == "post":
        operation.setdefault("parameters", []).append(copy.deepcopy(IDEMPOTENCY_KEY))
    for code in _error_codes(method, v1=v1):
        _add_error(responses, code)
    for status, response in responses.items():
        _add_headers(status, response, v1=v1, post=method == "post")
        code = response.get("description", "").split(", ")[0]
        if code in STATUS_BY_CODE:
            _add_example(response, code)


def _error_codes(method: str, *, v1: bool) -> list[str]:
    codes = [*_EVERY]
    if v1:
        codes += _EVERY_V1
    if v1 and method in _BODY_METHODS:
        codes += _EVERY_BODY
    if v1 and method == "post":
        codes += _EVERY_POST
    return codes


def _add_error(responses: dict[str, Any], code: str) -> None:
    response = responses.setdefault(str(STATUS_BY_CODE[code]), {})
    named = [c for c in response.get("description", "").split(", ") if c in STATUS_BY_CODE]
    if code not in named:
        named.append(code)
    response["description"] = ", ".join(named)
    response["content"] = {"application/json": {"schema": _ERROR_REF}}


def _add_headers(status: str, response: dict[str, Any], *, v1: bool, post: bool) -> None:
    names = ["X-Request-ID"]
    if v1:
        names += ["RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset"]
    if status == "429" or (status == "503" and v1):  # readyz's 503 is a report, not an error
        names.append("Retry-After")
    if status == "401":
        names.append("WWW-Authenticate")
    if post and int(status) < 300:
        names.append("Idempotent-Replayed")
    headers = response.setdefault("headers", {})
    for name in names:
        headers.setdefault(name, {"$ref": f"#/components/headers/{name}"})


def _add_example(response: dict[str, Any], code: str) -> None:
    media = response["content"]["application/json"]
    media["example"] = {
        "error": _MESSAGES.get(code, code.replace("_", " ").capitalize()),
        "code": code,
        "details": _DETAILS.get(code),
        "request_id": "5f0c4a7e9b2d4c1f8e3a6b9d0c2e4f71",
    }


def _restore_nulls(schema: dict[str, Any]) -> None:
    """FastAPI writes the document without ``None`` values, which takes the nulls out of the
    schemas' examples too: a required, nullable field comes back as null."""
    properties = schema.get("properties", {})
    for example in schema.get("examples", []):
        if not isinstance(example, dict):
            continue
        for name in schema.get("required", []):
            if name not in example and {"type": "null"} in properties[name].get("anyOf", []):
                example[name] = None


def _add_success_examples(operation: dict[str, Any], schemas: dict[str, Any]) -> None:
    """An example for each JSON answer below 400 that has none, composed from the examples
    of the schemas it is made of (a list page: one item's example as ``data``)."""
    for status, response in operation["responses"].items():
        media = response.get("content", {}).get("application/json")
        if int(status) < 400 and media is not None and "example" not in media:
            media["example"] = example_of(media.get("schema", {}), schemas)


_PLAIN: Final[dict[str, Any]] = {"integer": 1, "number": 1.0, "boolean": True, "null": None}


def example_of(schema: dict[str, Any], schemas: dict[str, Any]) -> Any:
    """An instance of ``schema``: its own example if it has one, else one built from its
    parts' examples, else a plain value of its type."""
    if "$ref" in schema:
        schema = schemas[schema["$ref"].rsplit("/", 1)[-1]]
    own = schema.get("examples") or schema.get("enum") or schema.get("anyOf")
    if own:
        return example_of(own[0], schemas) if "anyOf" in schema else own[0]
    if "properties" in schema:
        return {name: example_of(part, schemas) for name, part in schema["properties"].items()}
    kind = schema.get("type")
    if kind == "array":
        return [example_of(schema.get("items", {}), schemas)]
    if kind == "string":
        return "2026-11-24T09:30:00Z" if schema.get("format") == "date-time" else "text"
    return _PLAIN.get(kind, {}) if isinstance(kind, str) else {}


def _not_null(schema: dict[str, Any]) -> dict[str, Any]:
    """A parameter is never null in HTTP: ``anyOf: [X, null]`` is just ``X``."""
    branches = schema.get("anyOf")
    if not branches:
        return schema
    kept = [b for b in branches if b.get("type") != "null"]
    if len(kept) != 1:
        return schema
    rest = {k: v for k, v in schema.items() if k != "anyOf" and not (k == "default" and v is None)}
    return {**kept[0], **rest}


def response_headers(*names: str) -> dict[str, Any]:
    """A route's ``responses`` entry part naming headers it sets (``ETag``, ``Location``)."""
    return {"headers": {name: {"$ref": f"#/components/headers/{name}"} for name in names}}
