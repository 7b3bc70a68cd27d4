"""The portal's login links in SQLite and PostgreSQL: a digest only, redeemed once (also when
two requests race with the same link), refused once expired by the caller's clock, and the
link mail queued for the mail sender."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from tessera.application.ports.login_links import LoginLink
from tessera.infrastructure.email.identity import MailIdentity
from tessera.infrastructure.email.login_links import OutgoingLoginLinkMailer
from tessera.infrastructure.persistence.login_links import SqlAlchemyLoginLinkStore
from tessera.infrastructure.persistence.retention import RetentionSweep
from tessera.infrastructure.persistence.tables import outgoing_mail, portal_login_links
from tests.support import FrozenClock

DIGEST = "a" * 64


def _link(clock: FrozenClock, digest: str = DIGEST) -> LoginLink:
    now = clock.now()
    return LoginLink(
        token_hash=digest, user_id=7, created_at=now, expires_at=now + timedelta(minutes=15)
    )


async def test_a_link_is_redeemed_once(engine: AsyncEngine, clock: FrozenClock) -> None:
    store = SqlAlchemyLoginLinkStore(engine)
    await store.add(_link(clock))

    assert await store.redeem(DIGEST, now=clock.now()) == 7
    assert await store.redeem(DIGEST, now=clock.now()) is None
    assert await store.redeem("b" * 64, now=clock.now()) is None
    async with engine.connect() as conn:
        used = await conn.scalar(select(portal_login_links.c.used_at))
    assert used == clock.now()


async def test_two_redemptions_at_once_one_wins(engine: AsyncEngine, clock: FrozenClock) -> None:
    store = SqlAlchemyLoginLinkStore(engine)
    await store.add(_link(clock))

    results = await asyncio.gather(*(store.redeem(DIGEST, now=clock.now()) for _ in range(5)))

    assert sorted(results, key=str) == [7, None, None, None, None]


async def test_an_expired_link_is_refused_and_swept(
    engine: AsyncEngine, clock: FrozenClock
) -> None:
    store = SqlAlchemyLoginLinkStore(engine)
    await store.add(_link(clock))
    await store.add(_link(clock, "c" * 64))

    clock.advance(minutes=15)
    assert await store.redeem(DIGEST, now=clock.now()) is None
    assert await store.delete_expired(clock.now()) == 2


async def test_the_link_mail_is_queued_for_the_sender(
    engine: AsyncEngine, clock: FrozenClock
) -> None:
    identity = MailIdentity.configure(sender="support@acme.example", domain=None, reply_to=None)
    wake = asyncio.Event()
    mailer = OutgoingLoginLinkMailer(engine, identity, clock=clock, team="Acme", wake=wake)
    link = "https://help.acme.example/portal/login/link?token=abc"

    await mailer.send(
        recipient="ada@example.com",
        name="Ada",
        link=link,
        expires_at=clock.now() + timedelta(minutes=15),
    )

    async with engine.connect() as conn:
        row = (await conn.execute(select(outgoing_mail))).mappings().one()
    assert (row["recipient"], row["kind"], row["state"]) == (
        "ada@example.com",
        "portal_login",
        "pending",
    )
    assert row["subject"] == "Your login link for the Acme portal"
    assert link in row["text_body"] and "15 minutes" in row["text_body"]
    assert f'href="{link}"' in row["html_body"]
    assert row["message_id"].endswith("@acme.example>")
    assert wake.is_set()


async def test_the_retention_sweep_deletes_expired_links_only(
    engine: AsyncEngine, clock: FrozenClock
) -> None:
    store = SqlAlchemyLoginLinkStore(engine)
    await store.add(_link(clock))
    clock.advance(minutes=10)
    await store.add(_link(clock, "d" * 64))
    clock.advance(minutes=5)

    swept = await RetentionSweep(engine, clock=clock, processed_retention=timedelta(days=7))()

    assert swept == 1
    async with engine.connect() as conn:
        left = (await conn.execute(select(portal_login_links.c.token_hash))).scalars().all()
    assert left == ["d" * 64]
