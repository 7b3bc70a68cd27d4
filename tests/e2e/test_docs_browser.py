"""``/docs`` in headless Chromium (Debian's), with every request to any other host refused:
the operations are listed, "Authorize" takes a bearer token, and "Try it out" gets 200
(SPEC §12)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Route, expect, sync_playwright

from tests.e2e.conftest import ADMIN_SECRET
from tests.servers import TesseraProcess

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[TesseraProcess]:
    process = TesseraProcess(
        {
            "TESSERA_ENV": "development",
            "TESSERA_DATABASE_URL": f"sqlite:///{tmp_path / 'tessera.db'}",
            "TESSERA_BOOTSTRAP_ADMIN_TOKEN": ADMIN_SECRET,
            "TESSERA_LOG_LEVEL": "WARNING",
        },
        tmp_path,
    )
    process.start()
    try:
        yield process
    finally:
        process.stop()


@pytest.mark.slow
@pytest.mark.timeout(180)
def test_the_docs_work_offline_authorise_with_a_token_and_try_an_operation(
    server: TesseraProcess,
) -> None:
    if shutil.which(CHROMIUM) is None:
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium (.ci/run does)")
    refused: list[str] = []
    sent_authorization: list[str | None] = []

    def only_tessera(route: Route) -> None:
        url = route.request.url
        if not url.startswith(f"{server.base_url}/"):
            refused.append(url)
            route.abort()
            return
        if "/v1/" in url:
            sent_authorization.append(route.request.headers.get("authorization"))
        route.continue_()

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        try:
            context = browser.new_context()
            context.route("**/*", only_tessera)
            page = context.new_page()
            page.goto(f"{server.base_url}/docs")

            operations = page.locator(".opblock")
            expect(operations.first).to_be_visible(timeout=30_000)
            assert operations.count() >= 20
            listing = operations.filter(has_text="tickets.list")  # shown: displayOperationId
            expect(listing).to_have_count(1)
            expect(listing).to_contain_text("/v1/tickets")

            page.locator("button.authorize").first.click()
            dialog = page.locator(".modal-ux")
            dialog.locator("input").first.fill(ADMIN_SECRET)
            dialog.locator("button.authorize").click()
            dialog.locator("button.btn-done").click()

            listing.locator(".opblock-summary").first.click()
            listing.locator("button.try-out__btn").click()
            listing.locator("button.execute").click()
            status = listing.locator(".live-responses-table tr.response .response-col_status")
            expect(status).to_have_text("200", timeout=30_000)
            expect(listing.locator(".live-responses-table")).to_contain_text("next_cursor")
        finally:
            browser.close()
    assert refused == []  # nothing was asked of any other host
    assert f"Bearer {ADMIN_SECRET}" in sent_authorization
