"""PresenceBoard contract (in process and Redis): who is on a ticket, in the order they
arrived, each entry lapsing unless renewed within the TTL."""

from __future__ import annotations

import pytest
from redis.asyncio import Redis

from tessera.application.ports.live import Presence, PresenceBoard
from tessera.infrastructure.live.presence import InProcessPresenceBoard, RedisPresenceBoard
from tests.contract.conftest import SharedRedis, closed_port
from tests.support import FrozenClock

TTL = 30.0


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
def board(request: pytest.FixtureRequest, clock: FrozenClock) -> PresenceBoard:
    if request.param == "memory":
        return InProcessPresenceBoard(clock=clock, ttl_seconds=TTL)
    shared: SharedRedis = request.getfixturevalue("shared_redis")
    return RedisPresenceBoard(
        shared.client, clock=clock, ttl_seconds=TTL, namespace=shared.keys.namespace
    )


async def test_entries_come_in_the_order_users_arrived(board: PresenceBoard) -> None:
    assert await board.present(7) == []
    await board.announce(7, user_id=30, name='Zoë "Z" O\'Brien', activity="viewing")
    await board.announce(7, user_id=4, name="Ada", activity="replying")
    await board.announce(7, user_id=200, name="Bob", activity="viewing")
    assert await board.present(7) == [
        Presence(30, 'Zoë "Z" O\'Brien', "viewing"),
        Presence(4, "Ada", "replying"),
        Presence(200, "Bob", "viewing"),
    ]


async def test_renewing_keeps_the_place_and_takes_the_new_activity(board: PresenceBoard) -> None:
    await board.announce(7, user_id=1, name="Ada", activity="viewing")
    await board.announce(7, user_id=2, name="Bob", activity="viewing")
    await board.announce(7, user_id=1, name="Ada L.", activity="replying")
    assert await board.present(7) == [
        Presence(1, "Ada L.", "replying"),
        Presence(2, "Bob", "viewing"),
    ]


async def test_an_entry_not_renewed_within_the_ttl_lapses(
    board: PresenceBoard, clock: FrozenClock
) -> None:
    await board.announce(7, user_id=1, name="Ada", activity="viewing")
    clock.advance(seconds=20)
    await board.announce(7, user_id=2, name="Bob", activity="viewing")
    clock.advance(seconds=9.9)
    assert [p.user_id for p in await board.present(7)] == [1, 2]
    clock.advance(seconds=0.1)  # Ada's TTL is over; Bob's is not
    assert [p.user_id for p in await board.present(7)] == [2]
    await board.announce(7, user_id=1, name="Ada", activity="viewing")  # she arrives anew
    assert [p.user_id for p in await board.present(7)] == [2, 1]
    clock.advance(seconds=TTL)
    assert await board.present(7) == []


async def test_renewing_in_time_keeps_an_entry_for_ever(
    board: PresenceBoard, clock: FrozenClock
) -> None:
    for _ in range(5):
        await board.announce(7, user_id=1, name="Ada", activity="viewing")
        clock.advance(seconds=TTL - 1)
    assert [p.user_id for p in await board.present(7)] == [1]


async def test_leaving_removes_only_that_user_on_that_ticket(board: PresenceBoard) -> None:
    await board.announce(7, user_id=1, name="Ada", activity="viewing")
    await board.announce(7, user_id=2, name="Bob", activity="replying")
    await board.announce(8, user_id=1, name="Ada", activity="viewing")
    await board.leave(7, user_id=1)
    await board.leave(9, user_id=1)  # nobody there: nothing to do
    assert await board.present(7) == [Presence(2, "Bob", "replying")]
    assert await board.present(8) == [Presence(1, "Ada", "viewing")]
    await board.announce(7, user_id=1, name="Ada", activity="viewing")  # back, now last
    assert [p.user_id for p in await board.present(7)] == [2, 1]


@pytest.mark.redis
async def test_a_tickets_keys_expire_in_redis_once_nobody_renews(
    shared_redis: SharedRedis, clock: FrozenClock
) -> None:
    board = RedisPresenceBoard(
        shared_redis.client, clock=clock, ttl_seconds=TTL, namespace=shared_redis.keys.namespace
    )
    await board.announce(7, user_id=1, name="Ada", activity="viewing")
    prefix = f"{shared_redis.keys.namespace}:presence:"
    keys = [key async for key in shared_redis.client.scan_iter(match=f"{prefix}*")]
    assert keys
    for key in keys:
        assert 0 < await shared_redis.client.pttl(key) <= 2 * TTL * 1000


async def test_without_redis_the_board_reads_empty_and_announcing_does_no_harm(
    clock: FrozenClock,
) -> None:
    client = Redis.from_url(
        f"redis://127.0.0.1:{closed_port()}/0", socket_timeout=0.5, socket_connect_timeout=0.5
    )
    board = RedisPresenceBoard(client, clock=clock, ttl_seconds=TTL)
    try:
        await board.announce(7, user_id=1, name="Ada", activity="viewing")
        await board.leave(7, user_id=1)
        assert await board.present(7) == []
    finally:
        await client.aclose()
