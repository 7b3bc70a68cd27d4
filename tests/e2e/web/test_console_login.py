"""Logging in to the console, in Chromium against ``tessera serve``."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.web.conftest import Person, WebServer, login


@pytest.mark.slow
def test_an_agent_logs_in_and_sees_the_console(
    web_server: WebServer, agent: Person, page: Page
) -> None:
    page.goto(web_server.url("/console"))
    expect(page).to_have_url(re.compile(r"/console/login\?next=/console$"))

    login(page, web_server.base_url, agent.email, agent.password)

    expect(page).to_have_url(re.compile(r"/console(/views/[a-z-]+)?$"))
    expect(page.get_by_role("navigation", name="Console")).to_be_visible()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    expect(page.locator("header")).to_contain_text(agent.name)
