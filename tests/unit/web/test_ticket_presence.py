"""The live stream's presence rules: "viewing" is renewed, but never over "replying"."""

from __future__ import annotations

from tessera.domain.access.principal import Principal, Role
from tessera.infrastructure.live.presence import InProcessPresenceBoard
from tessera.presentation.web.routes.console_ticket_live import _Page
from tests.support import FrozenClock

ADA = Principal(token_id=1, user_id=7, name="Ada", role=Role.AGENT)


async def test_the_stream_announces_viewing_and_keeps_others_apart(clock: FrozenClock) -> None:
    board = InProcessPresenceBoard(clock=clock, ttl_seconds=30)
    page = _Page(ticket_id=3, principal=ADA, board=board, behind=False)
    await board.announce(3, user_id=8, name="Bo", activity="viewing")
    await page.renew(await board.present(3))
    present = await board.present(3)
    assert [(p.name, p.activity) for p in present] == [("Bo", "viewing"), ("Ada", "viewing")]
    assert [p.name for p in page.others(present)] == ["Bo"]


async def test_renewing_leaves_a_reply_in_progress_alone(clock: FrozenClock) -> None:
    board = InProcessPresenceBoard(clock=clock, ttl_seconds=30)
    page = _Page(ticket_id=3, principal=ADA, board=board, behind=False)
    await board.announce(3, user_id=7, name="Ada", activity="replying")
    await page.renew(await board.present(3))
    assert [p.activity for p in await board.present(3)] == ["replying"]
