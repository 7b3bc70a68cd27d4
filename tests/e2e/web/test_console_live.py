"""A view follows the changes feed: a ticket filed through the API appears in `All open`
while the page stays loaded."""

from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.web.conftest import Person, WebServer, login

pytestmark = [pytest.mark.slow, pytest.mark.timeout(180)]


def test_a_ticket_created_through_the_api_appears_in_all_open_without_a_reload(
    web_server: WebServer, agent: Person, page: Page
) -> None:
    login(page, web_server.base_url, agent.email, agent.password)
    page.get_by_role("link", name="All open", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("All open")
    before = page.locator("#count-all-open").inner_text()
    # Wait for the live stream to be open before the change, so the test cannot pass by a
    # page load that happened after the ticket was created.
    page.wait_for_function(
        "() => { const s = document.body['htmx-internal-data'];"
        " return s && s.sseEventSource && s.sseEventSource.readyState === 1; }"
    )
    page.evaluate("window.__stillTheSamePage = true")

    title = f"Live arrival {uuid.uuid4().hex[:8]}"
    web_server.create_ticket(title=title)

    expect(page.get_by_role("link", name=title, exact=True)).to_be_visible(timeout=15_000)
    assert page.evaluate("window.__stillTheSamePage === true")
    expect(page.locator("#count-all-open")).not_to_have_text(before)
