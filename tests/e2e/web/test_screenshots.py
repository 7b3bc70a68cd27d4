"""The console's main screens photographed in Chromium against ``tessera serve``: the views
list and the ticket page, on a desktop and on a phone.

The pictures go to a temporary directory; with ``SCREENSHOTS_DIR=docs/screenshots``
they replace the ones the README and the docs show:

    SCREENSHOTS_DIR=docs/screenshots .venv/bin/pytest tests/e2e/web/test_screenshots.py
"""

from __future__ import annotations

import os
import re
import struct
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, ViewportSize, expect

from tests.e2e.web.conftest import Person, WebServer, login

pytestmark = [pytest.mark.slow, pytest.mark.timeout(180)]

DESKTOP = ViewportSize(width=1280, height=800)
PHONE = ViewportSize(width=390, height=844)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    chosen = os.environ.get("SCREENSHOTS_DIR")
    return Path(chosen) if chosen else tmp_path


def _png_width(path: Path) -> int:
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    width: int = struct.unpack(">I", header[16:20])[0]
    return width


def _helpdesk(web_server: WebServer, grace: Person, ada: Person) -> dict[str, Any]:
    """A morning's tickets; returns the one the ticket page shows."""
    hardware = web_server.api("POST", "/v1/groups", json={"name": "Hardware"}).json()
    billing = web_server.api("POST", "/v1/groups", json={"name": "Billing"}).json()
    web_server.api("POST", f"/v1/groups/{hardware['id']}/members", json={"user_id": grace.id})
    web_server.create_ticket(title="Toner low again", priority="low", group_id=hardware["id"])
    export = web_server.create_ticket(
        title="Export to CSV times out after a minute",
        description="Exporting last year's tickets stops with a timeout.",
        customer_email="carol@example.com",
    )
    web_server.update_ticket(export["id"], assignee_id=ada.id, status="in_progress")
    refund = web_server.create_ticket(
        title="Refund for a duplicate charge",
        description="I was charged twice for March.",
        customer_email="dave@example.com",
        priority="high",
        group_id=billing["id"],
    )
    web_server.update_ticket(refund["id"], status="pending")
    web_server.create_ticket(
        title="Invoice shows the wrong VAT rate",
        description="The invoice for order 1142 uses 19% instead of 7%.",
        customer_email="erin@example.com",
        group_id=billing["id"],
    )
    web_server.create_ticket(
        title="Cannot log in after the password reset",
        description="The reset link worked, but the new password is refused.",
        customer_email="frank@example.com",
        priority="critical",
    )
    printer = web_server.create_ticket(
        title="Printer on fire in room 4",
        description="The printer in room 4 is on fire. Please send help before it spreads.",
        priority="high",
        group_id=hardware["id"],
    )
    return web_server.update_ticket(printer["id"], assignee_id=grace.id, status="in_progress")


def _send(page: Page, text: str, *, kind: str) -> None:
    page.get_by_label("Reply", exact=True).fill(text)
    page.get_by_role("radio", name=kind).check()
    with page.expect_response(re.compile(r"/comments$")) as answer:
        page.get_by_role("button", name="Send").click()
    assert answer.value.status == 200


def test_the_views_list_and_the_ticket_page_are_photographed_on_desktop_and_phone(
    web_server: WebServer, browser: Browser, page: Page, folder: Path
) -> None:
    grace = web_server.create_user(role="agent", name="Grace Hopper")
    ada = web_server.create_user(role="agent", name="Ada Lovelace")
    printer = _helpdesk(web_server, grace, ada)
    folder.mkdir(parents=True, exist_ok=True)

    login(page, web_server.base_url, grace.email, grace.password)
    page.get_by_role("link", name="All open", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("All open")
    expect(page.locator("table.tickets tbody tr")).to_have_count(6)
    expect(page.locator("#count-mine")).to_have_text("1 tickets")
    page.set_viewport_size(DESKTOP)
    page.screenshot(path=folder / "views-list.png", full_page=True)
    page.set_viewport_size(PHONE)
    page.screenshot(path=folder / "views-list-phone.png", full_page=True)

    page.set_viewport_size(DESKTOP)
    page.get_by_role("link", name=printer["title"], exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(printer["title"])
    _send(page, "We are sending someone with an extinguisher right now.", kind="Public reply")
    _send(page, "Third fire this month: have facilities check the wiring.", kind="Internal note")
    expect(page.get_by_role("article", name=f"Internal note by {grace.name}")).to_be_visible()

    watcher = browser.new_context()  # Ada opens the same ticket: her presence shows
    try:
        other = watcher.new_page()
        login(other, web_server.base_url, ada.email, ada.password)
        expect(other.get_by_role("navigation", name="Console")).to_be_visible()
        other.goto(web_server.url(f"/console/tickets/{printer['id']}"))
        expect(page.locator("#presence")).to_contain_text("Ada Lovelace is viewing")
        page.get_by_label("Reply", exact=True).blur()
        page.screenshot(path=folder / "ticket-page.png", full_page=True)
        page.set_viewport_size(PHONE)
        page.screenshot(path=folder / "ticket-page-phone.png")
    finally:
        watcher.close()

    for name, width in (
        ("views-list.png", DESKTOP["width"]),
        ("views-list-phone.png", PHONE["width"]),
        ("ticket-page.png", DESKTOP["width"]),
        ("ticket-page-phone.png", PHONE["width"]),
    ):
        assert _png_width(folder / name) == width
