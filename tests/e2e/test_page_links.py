"""``links.next`` on list pages: the same request with the cursor set, so a client can follow
it to the end without building URLs (SPEC §12)."""

from __future__ import annotations

from tests.e2e.conftest import Api


async def test_following_links_next_walks_a_filtered_list_to_its_end(api: Api) -> None:
    for n in range(3):
        await api.create_ticket(title=f"Ticket {n}", tags=["walk"])
    await api.create_ticket(title="Not tagged")
    url: str | None = "/v1/tickets?tag=walk&limit=2&sort=created_at"
    titles: list[str] = []
    pages = 0
    while url is not None:
        body = (await api.client.get(url, headers=api.admin)).json()
        titles += [t["title"] for t in body["data"]]
        assert (body["links"]["next"] is None) is (body["next_cursor"] is None)
        url = body["links"]["next"]
        pages += 1
    assert titles == ["Ticket 0", "Ticket 1", "Ticket 2"]
    assert pages == 2


async def test_the_feed_links_its_next_page_with_after(api: Api) -> None:
    await api.create_ticket()
    body = (
        await api.client.get("/v1/events?limit=1&type=ticket.created", headers=api.admin)
    ).json()
    assert body["links"]["next"] == (
        f"/v1/events?limit=1&type=ticket.created&after={body['next_cursor']}"
    )
    following = await api.client.get(body["links"]["next"], headers=api.admin)
    assert following.status_code == 200
    assert following.json()["data"] == []
