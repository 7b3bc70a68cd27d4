"""The console and portal in a real browser: ``tessera serve`` (real uvicorn, SQLite) per test
module, Debian's Chromium driven by Playwright, every request to another host refused."""

from __future__ import annotations

import itertools
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, Route, sync_playwright

from tests.e2e.conftest import ADMIN_SECRET
from tests.servers import TesseraProcess

CHROMIUM = "/usr/bin/chromium"
AGENT_PASSWORD = "correct horse battery staple"
_serial = itertools.count(1)


@dataclass(frozen=True)
class Person:
    id: int
    name: str
    email: str
    password: str


@dataclass
class WebServer:
    process: TesseraProcess

    @property
    def base_url(self) -> str:
        return self.process.base_url

    def url(self, path: str) -> str:
        return f"{self.base_url}{path}"

    def api(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {ADMIN_SECRET}", **kwargs.pop("headers", {})}
        return httpx.request(method, self.url(path), headers=headers, timeout=30, **kwargs)

    def create_user(
        self, *, role: str = "agent", name: str | None = None, password: str | None = AGENT_PASSWORD
    ) -> Person:
        n = next(_serial)
        name = name or f"{role.title()} {n}"
        email = f"{role}{n}@support.example.com"
        body: dict[str, Any] = {"name": name, "email": email, "role": role}
        if password is not None:
            body["password"] = password
        response = self.api("POST", "/v1/users", json=body)
        assert response.status_code == 201, response.text
        return Person(id=response.json()["id"], name=name, email=email, password=password or "")

    def create_ticket(self, **fields: Any) -> dict[str, Any]:
        body = {
            "title": "Printer on fire",
            "description": "It is really on fire now.",
            "customer_email": "bob@example.com",
            **fields,
        }
        response = self.api("POST", "/v1/tickets", json=body)
        assert response.status_code == 201, response.text
        ticket: dict[str, Any] = response.json()
        return ticket

    def update_ticket(self, ticket_id: int, **fields: Any) -> dict[str, Any]:
        response = self.api("PATCH", f"/v1/tickets/{ticket_id}", json=fields)
        assert response.status_code == 200, response.text
        ticket: dict[str, Any] = response.json()
        return ticket


def server_environment(workdir: Path) -> dict[str, str]:
    """An embedded `tessera serve` for the browser tests, its files in ``workdir``."""
    return {
        "TESSERA_ENV": "development",
        "TESSERA_DATABASE_URL": f"sqlite:///{workdir / 'tessera.db'}",
        "TESSERA_BOOTSTRAP_ADMIN_TOKEN": ADMIN_SECRET,
        "TESSERA_LOG_LEVEL": "WARNING",
        "TESSERA_STORAGE_DIRECTORY": str(workdir / "attachments"),
        # Every test logs in from 127.0.0.1: the per-client login limit and the anonymous
        # page limit would otherwise throttle the suite (the per-address login limit stays).
        "TESSERA_WEB_LOGIN_ATTEMPTS_PER_CLIENT": "10000",
        "TESSERA_RATE_LIMIT_ANONYMOUS_PER_MINUTE": "10000",
    }


@pytest.fixture(scope="module")
def web_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebServer]:
    workdir = tmp_path_factory.mktemp("web")
    process = TesseraProcess(server_environment(workdir), workdir)
    process.start()
    try:
        yield WebServer(process)
    finally:
        process.stop()


@pytest.fixture
def agent(web_server: WebServer) -> Person:
    """A fresh agent per test: the login limit counts attempts per address (5 a minute)."""
    return web_server.create_user(role="agent")


# Module scope, never session: the sync API runs an event loop of its own while it is open,
# and pytest-asyncio cannot run the async tests of other modules beside it.
@pytest.fixture(scope="module")
def playwright_instance() -> Iterator[Playwright]:
    if shutil.which(CHROMIUM) is None:
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium (.ci/run does)")
    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="module")
def browser(playwright_instance: Playwright) -> Iterator[Browser]:
    browser = playwright_instance.chromium.launch(executable_path=CHROMIUM, headless=True)
    try:
        yield browser
    finally:
        browser.close()


@dataclass
class Refusals:
    urls: list[str]


@pytest.fixture
def refused() -> Refusals:
    return Refusals(urls=[])


@pytest.fixture
def context(browser: Browser, web_server: WebServer, refused: Refusals) -> Iterator[BrowserContext]:
    """A fresh browser profile (no cookies) that may reach only the server under test."""

    def only_tessera(route: Route) -> None:
        if not route.request.url.startswith(f"{web_server.base_url}/"):
            refused.urls.append(route.request.url)
            route.abort()
            return
        route.continue_()

    context = browser.new_context()
    context.set_default_timeout(15_000)
    context.route("**/*", only_tessera)
    try:
        yield context
    finally:
        context.close()
    assert refused.urls == []  # nothing was asked of any other host


@pytest.fixture
def page(context: BrowserContext) -> Page:
    return context.new_page()


def login(page: Page, base_url: str, email: str, password: str) -> None:
    """Log in to the console through its form, as a person would."""
    page.goto(f"{base_url}/console/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


_CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


class Browserless:
    """The console over plain HTTP (httpx, no redirects followed): for what a browser would
    hide, such as cookie flags and refused requests."""

    def __init__(self, server: WebServer) -> None:
        self.server = server
        self.client = httpx.Client(base_url=server.base_url, timeout=30, follow_redirects=False)

    def close(self) -> None:
        self.client.close()

    def csrf_of(self, path: str) -> str:
        page = self.client.get(path)
        assert page.status_code == 200, page.text
        found = _CSRF_FIELD.search(page.text)
        assert found is not None, page.text
        return found.group(1)

    def log_in(self, email: str, password: str) -> httpx.Response:
        token = self.csrf_of("/console/login")
        return self.client.post(
            "/console/login",
            data={"email": email, "password": password, "csrf_token": token, "next": "/console"},
        )


@pytest.fixture
def http(web_server: WebServer) -> Iterator[Browserless]:
    client = Browserless(web_server)
    try:
        yield client
    finally:
        client.close()
