"""Every answer a test receives, checked against the OpenAPI document (SPEC §12): its status
is declared for the operation, its body matches the declared schema, and every header the
document declares for it is present (when required) and well-formed. openapi-core is the
validator; this module adapts httpx's request and response to it.

Requests outside the document (the docs pages, ``/openapi.json``, a method or path the API
does not serve) have no operation to be checked against and pass unchecked."""

from __future__ import annotations

from functools import cache
from typing import Any, Final
from urllib.parse import parse_qs

import httpx
from openapi_core import OpenAPI
from openapi_core.datatypes import RequestParameters
from openapi_core.templating.paths.exceptions import OperationNotFound, PathNotFound
from openapi_core.validation.response.validators import V31ResponseHeadersValidator
from werkzeug.datastructures import Headers, ImmutableMultiDict

from tessera.bootstrap.memory import build_memory_services
from tessera.presentation.http.app import create_app
from tests.support import FrozenClock


@cache
def document() -> dict[str, Any]:
    services, _ = build_memory_services(clock=FrozenClock())
    spec: dict[str, Any] = create_app(services).openapi()
    return spec


@cache
def _openapi() -> OpenAPI:
    return OpenAPI.from_dict(document())


@cache
def _headers_validator() -> V31ResponseHeadersValidator:
    return V31ResponseHeadersValidator(_openapi().spec)


class _Request:
    def __init__(self, request: httpx.Request) -> None:
        self._request = request
        self.parameters = RequestParameters(
            query=ImmutableMultiDict(parse_qs(request.url.query.decode(), keep_blank_values=True)),
            header=Headers(dict(request.headers)),
            cookie=ImmutableMultiDict(),
        )

    @property
    def host_url(self) -> str:
        return f"{self._request.url.scheme}://{self._request.url.netloc.decode()}"

    @property
    def path(self) -> str:
        return self._request.url.path

    @property
    def method(self) -> str:
        return self._request.method.lower()

    @property
    def body(self) -> bytes | None:
        return None  # only the response is checked

    @property
    def content_type(self) -> str:
        return str(self._request.headers.get("content-type", ""))


class _Response:
    def __init__(self, response: httpx.Response, data: bytes) -> None:
        self._response = response
        # A file's bytes are opaque: the document declares them a binary string, which the
        # validator takes as text, so give them as Latin-1 (each byte one character).
        self.data: bytes | str = data if _structured(self.content_type) else data.decode("latin-1")

    @property
    def status_code(self) -> int:
        return self._response.status_code

    @property
    def content_type(self) -> str:
        return str(self._response.headers.get("content-type", ""))

    @property
    def headers(self) -> Headers:
        return Headers(list(self._response.headers.multi_items()))


def _structured(content_type: str) -> bool:
    media = content_type.split(";", maxsplit=1)[0].strip().lower()
    return media in {"", "application/json", "application/problem+json"} or media.endswith("+json")


def is_stream(response: httpx.Response) -> bool:
    return str(response.headers.get("content-type", "")).startswith("text/event-stream")


def check(response: httpx.Response, data: bytes) -> None:
    """Raises openapi-core's validation error when the answer breaks the document."""
    try:
        if is_stream(response):  # still open: its status and headers are what can be checked
            stream = _Response(response, data)
            _headers_validator().validate(_Request(response.request), stream)  # type: ignore[arg-type]
            return
        # The protocol names bytes, yet a binary string is only checked as text (see _Response).
        _openapi().validate_response(_Request(response.request), _Response(response, data))  # type: ignore[arg-type]
    except (PathNotFound, OperationNotFound):
        return


async def check_hook(response: httpx.Response) -> None:
    """An httpx ``response`` event hook: reads the body (not of an event stream, which stays
    open) and checks the answer."""
    data = b"" if is_stream(response) else await response.aread()
    check(response, data)


def check_sync_hook(response: httpx.Response) -> None:
    """``check_hook`` for a synchronous ``httpx.Client``."""
    check(response, b"" if is_stream(response) else response.read())


CHECKED: Final = {"response": [check_hook]}  # event_hooks= of an httpx.AsyncClient
CHECKED_SYNC: Final = {"response": [check_sync_hook]}  # event_hooks= of an httpx.Client
