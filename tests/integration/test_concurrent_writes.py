"""No lost updates: concurrent PATCHes carrying one If-Match give exactly one success."""

from __future__ import annotations

import asyncio
from collections import Counter

import httpx
import pytest

from tessera.bootstrap.container import build_container
from tessera.presentation.http.app import create_app
from tests.e2e.conftest import ADMIN_SECRET, settings_for

WRITERS = 12


@pytest.mark.postgres
async def test_concurrent_patches_with_the_same_if_match_have_one_winner(postgres_url: str) -> None:
    container = build_container(settings_for(postgres_url))
    await container.start()
    app = create_app(container.services)
    headers = {"Authorization": f"Bearer {ADMIN_SECRET}"}
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://t"
    ) as client:
        created = await client.post(
            "/v1/tickets",
            headers=headers,
            json={
                "title": "Race",
                "description": "Many agents at once.",
                "customer_email": "a@example.com",
            },
        )
        url, etag = created.headers["location"], created.headers["etag"]
        # Everyone holds version 1 before anyone writes: each request runs on its own pooled
        # connection, so the database, not the event loop, decides who wins.
        responses = await asyncio.gather(
            *(
                client.patch(
                    url, json={"title": f"writer {i}"}, headers={**headers, "If-Match": etag}
                )
                for i in range(WRITERS)
            )
        )
        final = (await client.get(url, headers=headers)).json()
    await container.close()

    statuses = Counter(r.status_code for r in responses)
    assert statuses == {200: 1, 412: WRITERS - 1}
    [winner] = [r.json() for r in responses if r.status_code == 200]
    assert final["title"] == winner["title"]
    assert final["version"] == 2


@pytest.mark.postgres
async def test_concurrent_patches_without_if_match_all_apply(postgres_url: str) -> None:
    """Without If-Match a lost race is retried on fresh state, so no change is lost."""
    container = build_container(settings_for(postgres_url))
    await container.start()
    app = create_app(container.services)
    headers = {"Authorization": f"Bearer {ADMIN_SECRET}"}
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://t"
    ) as client:
        created = (
            await client.post(
                "/v1/tickets",
                headers=headers,
                json={
                    "title": "Race",
                    "description": "Many agents at once.",
                    "customer_email": "a@example.com",
                    "tags": [],
                },
            )
        ).json()
        url = f"/v1/tickets/{created['id']}"
        responses = await asyncio.gather(
            client.patch(url, json={"priority": "high"}, headers=headers),
            client.patch(url, json={"status": "in_progress"}, headers=headers),
            client.patch(url, json={"title": "Renamed"}, headers=headers),
        )
        final = (await client.get(url, headers=headers)).json()
    await container.close()
    assert [r.status_code for r in responses] == [200, 200, 200]
    assert (final["priority"], final["status"], final["title"], final["version"]) == (
        "high",
        "in_progress",
        "Renamed",
        4,
    )


PATCHERS = 50
TAGGERS = 20  # a ticket has at most 20 tags


async def test_fifty_concurrent_patches_without_if_match_all_apply(database_url: str) -> None:
    """Each PATCH changes something (a tag of its own, or a title of its own), so every one that
    applies adds one version: nothing is lost and nobody is told to try again."""
    container = build_container(settings_for(database_url))
    await container.start()
    app = create_app(container.services)
    headers = {"Authorization": f"Bearer {ADMIN_SECRET}"}
    patches: list[dict[str, object]] = [{"add_tags": [f"tag-{i}"]} for i in range(TAGGERS)]
    patches += [{"priority": "high"}, {"status": "in_progress"}, {"description": "Now longer."}]
    titles = {f"title {i}" for i in range(PATCHERS - len(patches))}
    patches += [{"title": title} for title in sorted(titles)]
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app, raise_app_exceptions=False), base_url="http://t"
    ) as client:
        created = await client.post(
            "/v1/tickets",
            headers=headers,
            json={
                "title": "Race",
                "description": "Many agents at once.",
                "customer_email": "a@b.co",
            },
        )
        url = created.headers["location"]
        responses = await asyncio.gather(
            *(client.patch(url, json=patch, headers=headers) for patch in patches)
        )
        final = (await client.get(url, headers=headers)).json()
    await container.close()

    assert Counter(r.status_code for r in responses) == {200: PATCHERS}
    assert final["version"] == 1 + PATCHERS
    assert set(final["tags"]) == {f"tag-{i}" for i in range(TAGGERS)}
    assert (final["priority"], final["status"]) == ("high", "in_progress")
    assert final["description"] == "Now longer."
    assert final["title"] in titles
