"""The console's views in Chromium: counts, the list, search, filters, bulk changes, keyboard
use and inert user text."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import Dialog, Page, expect

from tests.e2e.web.conftest import Browserless, Person, WebServer, login

pytestmark = [pytest.mark.slow, pytest.mark.timeout(180)]


def _word() -> str:
    return "w" + uuid.uuid4().hex[:10]


def test_all_open_lists_tickets_as_links_named_by_title_that_open_the_ticket(
    web_server: WebServer, agent: Person, page: Page
) -> None:
    title = f"Cannot print {_word()}"
    ticket = web_server.create_ticket(title=title)
    login(page, web_server.base_url, agent.email, agent.password)

    page.get_by_role("link", name="All open", exact=True).click()
    expect(page).to_have_url(re.compile(r"/console/views/all-open"))
    expect(page.get_by_role("heading", level=1)).to_have_text("All open")
    page.get_by_role("link", name=title, exact=True).click()

    expect(page).to_have_url(re.compile(rf"/console/tickets/{ticket['id']}$"))


def test_every_view_is_a_link_with_its_count(web_server: WebServer, page: Page) -> None:
    agent = web_server.create_user(role="agent")
    mine = web_server.create_ticket(title=f"Mine {_word()}")
    mine = web_server.update_ticket(mine["id"], assignee_id=agent.id)
    web_server.create_ticket(title=f"Nobody's {_word()}")
    open_statuses = ["open", "in_progress", "pending"]
    counts = {
        "all-open": _total(web_server, {"status": open_statuses}),
        "unassigned": _total(web_server, {"status": open_statuses, "assignee_id": "none"}),
    }
    login(page, web_server.base_url, agent.email, agent.password)

    nav = page.get_by_role("navigation", name="Console")
    for name in (
        "My open tickets",
        "Unassigned",
        "My groups",
        "SLA at risk",
        "Breached",
        "All open",
        "Recently updated",
    ):
        expect(nav.get_by_role("link", name=name, exact=True)).to_be_visible()
    expect(page.locator("#count-all-open")).to_have_text(f"{counts['all-open']} tickets")
    expect(page.locator("#count-unassigned")).to_have_text(f"{counts['unassigned']} tickets")
    expect(page.locator("#count-mine")).to_have_text("1 tickets")
    expect(nav.get_by_role("link", name="All open", exact=True)).to_have_accessible_description(
        f"{counts['all-open']} tickets"
    )

    nav.get_by_role("link", name="My open tickets", exact=True).click()
    rows = page.locator("table.tickets tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first.get_by_role("link")).to_have_text(mine["title"])


def test_a_view_page_arrives_with_its_counts(
    web_server: WebServer, http: Browserless, agent: Person
) -> None:
    counted = web_server.create_ticket(title=f"Counted {_word()}")
    web_server.update_ticket(counted["id"], assignee_id=agent.id)
    assert http.log_in(agent.email, agent.password).status_code == 303

    page = http.client.get("/console/views/all-open").text
    assert re.search(r'id="count-mine">1<', page)
    assert re.search(r'id="count-all-open">\d+\+?<', page)
    nav = re.search(r'<ul class="nav-list" id="view-nav"[^>]*>', page)
    assert nav is not None
    # No second request for the counts: only the live stream's signal fetches them again.
    assert 'hx-trigger="sse:tickets"' in nav.group(0)

    partial = http.client.get(
        "/console/views/all-open", headers={"HX-Request": "true", "HX-Target": "ticket-list"}
    ).text
    assert "count-all-open" not in partial  # the list alone, as htmx asked


def _total(web_server: WebServer, params: dict[str, object]) -> int:
    """How many tickets the API lists for these filters (paging through)."""
    total, cursor = 0, None
    while True:
        query = {**params, "limit": 100, **({"cursor": cursor} if cursor else {})}
        body = web_server.api("GET", "/v1/tickets", params=query).json()
        total += len(body["data"])
        cursor = body["next_cursor"]
        if not cursor:
            return total


def test_search_and_filters_narrow_the_list(
    web_server: WebServer, agent: Person, page: Page
) -> None:
    word = _word()
    urgent = web_server.create_ticket(title=f"Server down {word}", priority="critical")
    calm = web_server.create_ticket(title=f"Font too small {word}", priority="low")
    web_server.create_ticket(title=f"Unrelated {_word()}")
    login(page, web_server.base_url, agent.email, agent.password)
    page.get_by_role("link", name="All open", exact=True).click()

    page.get_by_label("Search").fill(word)
    page.get_by_label("Search").press("Enter")
    rows = page.locator("table.tickets tbody tr")
    expect(rows).to_have_count(2)
    expect(page).to_have_url(re.compile(rf"q={word}"))

    page.get_by_label("Filter by priority").select_option("critical")
    expect(rows).to_have_count(1)
    expect(rows.first.get_by_role("link")).to_have_text(urgent["title"])

    page.get_by_label("Filter by priority").select_option("")
    page.get_by_label("Sort").select_option("priority")
    expect(rows).to_have_count(2)
    expect(rows.nth(0).get_by_role("link")).to_have_text(urgent["title"])
    expect(rows.nth(1).get_by_role("link")).to_have_text(calm["title"])


def test_bulk_change_sets_status_and_assignee_of_the_selected_tickets(
    web_server: WebServer, agent: Person, page: Page
) -> None:
    word = _word()
    first = web_server.create_ticket(title=f"Bulk one {word}")
    second = web_server.create_ticket(title=f"Bulk two {word}")
    left = web_server.create_ticket(title=f"Bulk left alone {word}")
    login(page, web_server.base_url, agent.email, agent.password)
    page.goto(web_server.url(f"/console/views/all-open?q={word}"))

    page.get_by_label(f"Select ticket {first['id']}").check()
    page.get_by_label(f"Select ticket {second['id']}").check()
    page.get_by_label("Set status").select_option("pending")
    page.get_by_label("Set assignee").select_option(label=agent.name)
    page.get_by_role("button", name="Update selected").click()

    expect(page.get_by_role("status")).to_have_text("Updated 2 tickets.")
    for ticket in (first, second):
        seen = web_server.api("GET", f"/v1/tickets/{ticket['id']}").json()
        assert (seen["status"], seen["assignee_id"]) == ("pending", agent.id)
    untouched = web_server.api("GET", f"/v1/tickets/{left['id']}").json()
    assert (untouched["status"], untouched["assignee_id"]) == ("open", None)


def test_a_script_in_a_title_is_shown_as_text_and_never_runs(
    web_server: WebServer, agent: Person, page: Page
) -> None:
    payload = f'<img src=x onerror="alert(1)"><script>alert(2)</script> {_word()}'
    web_server.create_ticket(title=payload)
    dialogs: list[str] = []

    def record(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", record)
    login(page, web_server.base_url, agent.email, agent.password)
    page.get_by_role("link", name="All open", exact=True).click()

    expect(page.get_by_role("link", name=payload, exact=True)).to_be_visible()
    assert page.locator("table.tickets img").count() == 0
    assert page.locator("table.tickets script").count() == 0
    assert dialogs == []


def test_keyboard_only_search_move_and_open_a_ticket(
    web_server: WebServer, agent: Person, page: Page
) -> None:
    word = _word()
    web_server.create_ticket(title=f"Keyboard first {word}")
    second = web_server.create_ticket(title=f"Keyboard second {word}")
    login(page, web_server.base_url, agent.email, agent.password)
    page.get_by_role("link", name="All open", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("All open")
    page.wait_for_load_state("load")  # the shortcuts' script is deferred to the page's end
    expect(page.locator("#count-all-open")).to_be_visible()  # the counts have come in

    page.keyboard.press("/")
    expect(page.get_by_label("Search")).to_be_focused()
    page.keyboard.type(word)
    page.keyboard.press("Enter")
    expect(page.locator("table.tickets tbody tr")).to_have_count(2)

    page.keyboard.press("Escape")  # leaves the search box
    expect(page.get_by_label("Search")).not_to_be_focused()
    page.keyboard.press("?")
    expect(page.get_by_role("dialog", name="Keyboard shortcuts")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog", name="Keyboard shortcuts")).to_be_hidden()

    page.keyboard.press("j")  # newest first: the second ticket is the first row
    expect(page.get_by_role("link", name=second["title"], exact=True)).to_be_focused()
    page.keyboard.press("j")
    page.keyboard.press("k")
    expect(page.get_by_role("link", name=second["title"], exact=True)).to_be_focused()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"/console/tickets/{second['id']}$"))


def test_the_skip_link_is_the_first_tab_stop_and_leads_to_the_main_content(
    web_server: WebServer, agent: Person, page: Page
) -> None:
    login(page, web_server.base_url, agent.email, agent.password)
    # Tab only once the view has loaded: a key pressed while the login form is still on
    # screen moves its focus instead.
    expect(page).not_to_have_url(re.compile(r"/console/login"))
    page.wait_for_load_state("load")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()
    page.keyboard.press("Tab")  # the next stop is inside the main content
    assert page.evaluate("document.activeElement.closest('main') !== null")
