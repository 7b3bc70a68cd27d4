"""The ticket page with others at work: a second agent's presence, a change made through the
API shown without reload, a stale edit that explains instead of overwriting, and files."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Route, expect

from tests.e2e.web.conftest import Person, Refusals, WebServer
from tests.e2e.web.test_console_ticket import api_ticket, choose, open_ticket, send


@pytest.fixture
def other_context(
    browser: Browser, web_server: WebServer, refused: Refusals
) -> Iterator[BrowserContext]:
    """A second person's browser: its own cookies, the same rule of no other host."""

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


@pytest.mark.slow
@pytest.mark.timeout(180)
def test_a_second_agent_is_seen_viewing_then_replying_and_leaving(
    web_server: WebServer, agent: Person, page: Page, other_context: BrowserContext
) -> None:
    ticket = web_server.create_ticket(title="Two agents, one ticket")
    second = web_server.create_user(role="agent", name="Ada Lovelace")
    open_ticket(page, web_server, agent, ticket["id"])
    presence = page.locator("#presence")
    expect(page.get_by_role("heading", level=1)).to_have_text("Two agents, one ticket")
    expect(presence).not_to_contain_text("is viewing")  # alone: nobody else is named

    other = other_context.new_page()
    open_ticket(other, web_server, second, ticket["id"])
    expect(presence).to_contain_text("Ada Lovelace is viewing")
    expect(other.locator("#presence")).to_contain_text(f"{agent.name} is viewing")

    other.get_by_label("Reply", exact=True).press_sequentially("Let me take this one")
    expect(presence).to_contain_text("Ada Lovelace is replying")

    other.close()  # the stream ends: the entry goes without waiting for it to lapse
    expect(presence).not_to_contain_text("Ada Lovelace", timeout=20_000)


@pytest.mark.slow
@pytest.mark.timeout(180)
def test_a_change_through_the_api_shows_on_the_open_page_without_reload(
    web_server: WebServer, agent: Person, page: Page
) -> None:
    ticket = web_server.create_ticket(title="Watch this space")
    open_ticket(page, web_server, agent, ticket["id"])
    with page.expect_response(re.compile(r"/stream\?version=")):
        expect(page.get_by_role("heading", level=1)).to_have_text("Watch this space")
    page.evaluate("window.__same_page = true")  # gone if the page were loaded again

    changed = web_server.api(
        "PATCH", f"/v1/tickets/{ticket['id']}", json={"priority": "high", "title": "Now urgent"}
    )
    assert changed.status_code == 200, changed.text
    commented = web_server.api(
        "POST",
        f"/v1/tickets/{ticket['id']}/comments",
        json={"body": "Escalated by the night shift.", "public": False},
    )
    assert commented.status_code == 201, commented.text

    expect(page.get_by_label("Priority", exact=True)).to_have_value("high")
    expect(page.get_by_role("heading", level=1)).to_have_text("Now urgent")
    expect(page.get_by_role("article", name=re.compile("^Internal note by "))).to_contain_text(
        "Escalated by the night shift."
    )
    expect(page.get_by_role("region", name="History")).to_contain_text(
        "Changed the title; changed priority from Medium to High"
    )
    assert page.evaluate("window.__same_page") is True


@pytest.mark.slow
@pytest.mark.timeout(180)
def test_a_stale_edit_shows_what_changed_and_overwrites_nothing_until_reapplied(
    web_server: WebServer, agent: Person, context: BrowserContext, page: Page
) -> None:
    # No live stream for this page (as behind a proxy that buffers it): the change made
    # through the API stays unseen, and the page's next change is made on the old version.
    context.route(re.compile(r"/stream(\?|$)"), lambda route: route.abort())
    ticket = web_server.create_ticket(title="Who changed what")
    open_ticket(page, web_server, agent, ticket["id"])
    expect(page.get_by_role("heading", level=1)).to_have_text("Who changed what")

    theirs = web_server.api("PATCH", f"/v1/tickets/{ticket['id']}", json={"priority": "critical"})
    assert theirs.status_code == 200, theirs.text
    choose(page, "Status", "In progress")

    panel = page.get_by_role("alert").filter(has_text="Someone else changed this ticket")
    expect(panel).to_be_visible()
    changes = panel.get_by_role("table", name="What changed")
    expect(changes.get_by_role("row", name=re.compile("^Priority"))).to_contain_text(
        "Critical (was Medium)"
    )
    expect(changes.get_by_role("row", name=re.compile("^Priority"))).to_contain_text("unchanged")
    expect(changes.get_by_role("row", name=re.compile("^Status"))).to_contain_text("In progress")
    seen = api_ticket(web_server, ticket["id"])
    assert (seen["status"], seen["priority"]) == ("open", "critical")  # nothing overwritten
    expect(page.get_by_label("Priority", exact=True)).to_have_value("critical")  # theirs shown

    with page.expect_response(re.compile(r"/fields$")):
        panel.get_by_role("button", name="Apply my change").click()
    expect(panel).to_be_hidden()
    seen = api_ticket(web_server, ticket["id"])
    assert (seen["status"], seen["priority"]) == ("in_progress", "critical")


@pytest.mark.slow
@pytest.mark.timeout(180)
def test_files_are_uploaded_with_a_reply_listed_and_downloaded(
    web_server: WebServer, agent: Person, page: Page, tmp_path: Path
) -> None:
    ticket = web_server.create_ticket(title="Logs attached")
    log = tmp_path / "printer boot.log"
    log.write_bytes(b"PC LOAD LETTER\n" * 200)
    open_ticket(page, web_server, agent, ticket["id"])

    with page.expect_response(re.compile(r"/console/uploads$")) as uploaded:
        page.get_by_label("Attach a file").set_input_files(log)
    assert uploaded.value.status == 200
    pending = page.get_by_role("list", name="Files to send")
    expect(pending).to_contain_text("printer boot.log")
    send(page, "The printer's log is attached.", kind="Internal note")

    note = page.get_by_role("article", name=re.compile("^Internal note by "))
    link = note.get_by_role("link", name="printer boot.log")
    expect(link).to_be_visible()
    expect(page.get_by_role("list", name="Files to send")).to_be_empty()
    with page.expect_download() as download:
        link.click()
    assert Path(download.value.path()).read_bytes() == log.read_bytes()

    files = web_server.api("GET", f"/v1/tickets/{ticket['id']}/attachments").json()["data"]
    assert [(f["filename"], f["size"]) for f in files] == [("printer boot.log", 3000)]
