"""The docs name only what exists: files, routes, settings and event types.

Every ``docs/**/*.md`` and the README are scanned for file paths, HTTP routes,
``TESSERA_*`` variables and ``ticket.*`` event types; each must exist in the tree, the app,
the settings models or the domain's event registry. Every route of the app must also have
a row in the authorization matrix (``tests/e2e/test_authorization_matrix.py``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from functools import cache
from pathlib import Path

import pytest
from fastapi.routing import APIRoute
from pydantic_settings import BaseSettings

from tessera.bootstrap.memory import build_memory_services
from tessera.bootstrap.settings import Settings
from tessera.domain.events import EVENTS_BY_TYPE
from tessera.infrastructure.messaging.nats_jetstream import NatsConnection
from tessera.presentation.http.app import create_app
from tessera.presentation.http.docs import PAGES as DOCS_PAGES
from tests.e2e.test_authorization_matrix import MATRIX
from tests.support import FrozenClock

REPO = Path(__file__).resolve().parents[2]
PACKAGE = REPO / "src" / "tessera"
DOCS = [*sorted((REPO / "docs").rglob("*.md")), REPO / "README.md"]
SEARCHED = ("src", "tests", "docs", "benchmarks")

Route = tuple[str, str]  # (method, path template)

_EXT = r"(?:py|md|toml|lock|json|ya?ml|sh|ini|cfg|sql|txt|html|j2)"
_LINK = re.compile(r"\]\(([^)\s]+)\)")
_NESTED_PATH = re.compile(rf"(?<![\w/.:<{{$-])((?:[\w.-]+/)+[\w.-]*\.{_EXT})(?![\w/])")
_BARE_FILE = re.compile(rf"`([\w-]+(?:\.[\w-]+)*\.{_EXT})`")
_TREE_DIR = re.compile(r"`((?:src|tests|docs|benchmarks)/[\w./-]*)`")
_METHOD_ROUTE = re.compile(r"\b(GET|POST|PUT|PATCH|DELETE) (/[^\s`\"'),?]*)")
_BARE_ROUTE = re.compile(r"`(/[a-z][^`\s?]*)")
_CURL_ROUTE = re.compile(r"(?:\$API|http://127\.0\.0\.1:8000)(/[^\s`\"'?]*)")
_SETTING = re.compile(r"\bTESSERA_[A-Z0-9_]*[A-Z0-9*]")
_EVENT = re.compile(r"(?<![\w/.])ticket\.([a-z_]+)\b(?![\w(])")
_HARNESS_VARIABLE = re.compile(r"environ(?:\.get)?\(\s*\"(TESSERA_[A-Z0-9_]+)\"")


# --- what exists ------------------------------------------------------------------------


@cache
def app_routes() -> frozenset[Route]:
    """Every (method, path) the app serves: its OpenAPI operations, its docs pages and the
    web pages (left out of the OpenAPI document)."""
    services, _ = build_memory_services(clock=FrozenClock())
    app = create_app(services)
    routes = {
        (method.upper(), path)
        for path, operations in app.openapi()["paths"].items()
        for method in operations
    }
    routes |= {
        (method, route.path)
        for route in _routes(app.routes)
        if isinstance(route, APIRoute) and not route.include_in_schema
        for method in route.methods or ()
    }
    pages = (app.openapi_url, *DOCS_PAGES)
    return frozenset(routes | {("GET", page) for page in pages if page is not None})


def _routes(routes: Iterable[object]) -> Iterator[object]:
    """The routes, those of included routers too (the web routers carry whole paths)."""
    for route in routes:
        router = getattr(route, "original_router", None)
        yield from _routes(router.routes) if router is not None else (route,)


def _matches(template: str, path: str) -> bool:
    """A documented path (``/v1/tickets/42``, ``/v1/tickets/{id}``) against a route template."""
    pattern = re.sub(r"\\\{[^}]*\\\}", "[^/]+", re.escape(template))
    return re.fullmatch(pattern, path) is not None


@cache
def setting_names() -> frozenset[str]:
    """``TESSERA_<FIELD>`` for top-level settings, ``TESSERA_<GROUP>_<FIELD>`` for groups."""
    top = str(Settings.model_config.get("env_prefix", ""))
    names = set()
    for name, field in Settings.model_fields.items():
        group = field.annotation
        if isinstance(group, type) and issubclass(group, BaseSettings):
            prefix = str(group.model_config.get("env_prefix", ""))
            names |= {f"{prefix}{sub}".upper() for sub in group.model_fields}
        else:
            names.add(f"{top}{name}".upper())
    return frozenset(names)


@cache
def other_names() -> frozenset[str]:
    """Names that are not settings: the test harness's variables, the NATS stream's name."""
    support = (REPO / "tests" / "support.py").read_text()
    return frozenset(_HARNESS_VARIABLE.findall(support)) | {NatsConnection("nats://x").stream}


@cache
def file_names() -> frozenset[str]:
    names = {p.name for p in REPO.iterdir() if p.is_file()}
    for top in SEARCHED:
        names |= {p.name for p in (REPO / top).rglob("*") if p.is_file()}
    return frozenset(names)


# --- what the docs name, and which of it is missing -------------------------------------


def missing_paths(text: str, *, here: Path) -> list[str]:
    missing = []
    for target in _LINK.findall(text):
        if re.match(r"[a-z]+:|#", target):
            continue
        if not (here / target.split("#")[0]).exists():
            missing.append(target)
    for path in _NESTED_PATH.findall(text):
        if not any((base / path).exists() for base in (REPO, here, PACKAGE)):
            missing.append(path)
    missing += [name for name in _BARE_FILE.findall(text) if name not in file_names()]
    missing += [path for path in _TREE_DIR.findall(text) if not (REPO / path).exists()]
    return missing


def missing_routes(text: str, routes: Iterable[Route]) -> list[str]:
    routes = tuple(routes)
    named = [(m, p.rstrip(".:")) for m, p in _METHOD_ROUTE.findall(text)]
    named += [("", p) for p in _BARE_ROUTE.findall(text) + _CURL_ROUTE.findall(text)]
    return [
        f"{method} {path}".strip()
        for method, path in named
        if not any(_matches(t, path) and method in ("", m) for m, t in routes)
    ]


def missing_settings(text: str) -> list[str]:
    known = setting_names() | other_names()
    missing = []
    for name in _SETTING.findall(text):
        if name.endswith("*"):
            if not any(s.startswith(name.rstrip("*")) for s in known):
                missing.append(name)
        elif name not in known:
            missing.append(name)
    return missing


def missing_event_types(text: str) -> list[str]:
    named = {f"ticket.{suffix}" for suffix in _EVENT.findall(text) if suffix not in ("py", "md")}
    return sorted(named - set(EVENTS_BY_TYPE))


# --- the checks ---------------------------------------------------------------------------


def _doc_id(doc: Path) -> str:
    return str(doc.relative_to(REPO))


@pytest.mark.parametrize("doc", DOCS, ids=_doc_id)
def test_every_file_path_a_doc_names_exists(doc: Path) -> None:
    assert missing_paths(doc.read_text(), here=doc.parent) == []


@pytest.mark.parametrize("doc", DOCS, ids=_doc_id)
def test_every_route_a_doc_names_is_served(doc: Path) -> None:
    assert missing_routes(doc.read_text(), app_routes()) == []


@pytest.mark.parametrize("doc", DOCS, ids=_doc_id)
def test_every_setting_a_doc_names_is_read(doc: Path) -> None:
    assert missing_settings(doc.read_text()) == []


@pytest.mark.parametrize("doc", DOCS, ids=_doc_id)
def test_every_event_type_a_doc_names_is_registered(doc: Path) -> None:
    assert missing_event_types(doc.read_text()) == []


def test_every_event_type_is_described_in_the_events_doc() -> None:
    kinds = "ticket|user|organization|group"
    described = set(re.findall(rf"^### `((?:{kinds})\.[a-z_]+)`$", _events_doc(), re.MULTILINE))
    assert described == set(EVENTS_BY_TYPE)


def test_every_route_has_a_row_in_the_authorization_matrix() -> None:
    rows = [(method, template) for method, template, _, _ in MATRIX]
    assert routes_without_a_row(app_routes(), rows) == []


def routes_without_a_row(routes: Iterable[Route], rows: Iterable[Route]) -> list[Route]:
    """The app's API routes (not its docs pages) that no matrix row requests."""
    rows = tuple(rows)
    return sorted(
        (method, path)
        for method, path in routes
        if path.startswith(("/v1/", "/livez", "/readyz", "/metrics"))
        and not any(m == method and _matches(path, _concrete(t)) for m, t in rows)
    )


def _concrete(template: str) -> str:
    """A matrix row's path with its placeholders ({ticket}, {note}) as sample ids."""
    return re.sub(r"\{[^}]*\}", "1", template)


def _events_doc() -> str:
    return (REPO / "docs" / "events.md").read_text()


# --- the check itself finds what is missing -----------------------------------------------


def test_a_missing_file_is_found_and_an_existing_one_is_not() -> None:
    text = "See `infrastructure/persistence/gone.py`, [x](nowhere.md), `mappers.py`, `tests/x`."
    assert missing_paths(text, here=REPO / "docs") == [
        "nowhere.md",
        "infrastructure/persistence/gone.py",
        "tests/x",
    ]


def test_a_route_the_app_does_not_serve_is_found() -> None:
    routes = [("GET", "/v1/tickets/{ticket_id}"), ("GET", "/livez")]
    text = "`GET /v1/tickets/{id}`, `POST /v1/tickets/7`, `/livez`, `/healthz`, $API/v1/nope"
    assert missing_routes(text, routes) == ["POST /v1/tickets/7", "/healthz", "/v1/nope"]


def test_a_setting_no_model_reads_is_found() -> None:
    text = "`TESSERA_HTTP_PORT`, `TESSERA_EVENTS_*`, `TESSERA_HTTP_PROT`, `TESSERA_NOPE_*`"
    assert missing_settings(text) == ["TESSERA_HTTP_PROT", "TESSERA_NOPE_*"]


def test_an_event_type_the_domain_does_not_raise_is_found() -> None:
    text = "`ticket.merged`, `ticket.reopened`; ticket.apply(...) and tickets/ticket.py are code"
    assert missing_event_types(text) == ["ticket.reopened"]


def test_a_route_without_a_matrix_row_is_found() -> None:
    routes = [("GET", "/v1/tickets/{ticket_id}"), ("DELETE", "/v1/tickets/{ticket_id}")]
    rows = [("GET", "/v1/tickets/{ticket}"), ("GET", "/openapi.json")]
    assert routes_without_a_row(routes, rows) == [("DELETE", "/v1/tickets/{ticket_id}")]
