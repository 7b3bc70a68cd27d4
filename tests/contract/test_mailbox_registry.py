"""MailboxRegistry contract: the first spelling of an address holds it; look-alikes are refused."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import event

from tessera.domain.access.mailboxes import LookalikeAddressError, parse_email
from tessera.infrastructure.persistence.engine import create_engine
from tessera.infrastructure.persistence.unit_of_work import SqlAlchemyUnitOfWork
from tests.contract.conftest import Adapters


async def claim(adapters: Adapters, address: str) -> None:
    async with adapters.uow() as uow:
        await uow.mailboxes.claim(parse_email(address), field="email")
        await uow.commit()


async def test_the_first_spelling_holds_the_address(adapters: Adapters) -> None:
    await claim(adapters, "straße@example.com")
    await claim(adapters, "straße@example.com")  # again: a no-op
    for lookalike in ("strasse@example.com", "STRASSE@example.com", "Straße@example.com"):
        with pytest.raises(LookalikeAddressError):
            await claim(adapters, lookalike)
    await claim(adapters, "strasse@example.org")  # another domain is another address


async def test_an_uncommitted_claim_holds_nothing(adapters: Adapters) -> None:
    async with adapters.uow() as uow:
        await uow.mailboxes.claim(parse_email("finance@example.com"), field="email")
        # rolled back: never committed
    await claim(adapters, "ﬁnance@example.com")
    with pytest.raises(LookalikeAddressError):
        await claim(adapters, "finance@example.com")


@pytest.mark.postgres
async def test_two_look_alikes_claimed_at_once_only_the_first_committed_wins(
    postgres_url: str,
) -> None:
    """PostgreSQL runs units of work side by side (SQLite one after another)."""
    engine = create_engine(postgres_url)
    try:

        async def second() -> None:
            async with SqlAlchemyUnitOfWork(engine) as uow:
                await uow.mailboxes.claim(parse_email("strasse@example.com"), field="email")
                await uow.commit()

        async with SqlAlchemyUnitOfWork(engine) as first:
            await first.mailboxes.claim(parse_email("straße@example.com"), field="email")
            # The second claim reads no holder yet, then waits on the key until this commits
            # (or, if it starts later, reads the committed holder): either way it must lose.
            racing = asyncio.create_task(second())
            await asyncio.sleep(0.1)
            await first.commit()
        with pytest.raises(LookalikeAddressError):
            await racing
    finally:
        await engine.dispose()


async def test_a_second_claim_in_one_unit_of_work_reads_nothing_and_still_refuses(
    adapters: Adapters,
) -> None:
    await claim(adapters, "straße@example.com")
    statements: list[str] = []
    if adapters.engine is not None:
        event.listen(
            adapters.engine.sync_engine,
            "before_cursor_execute",
            lambda _conn, _cursor, sql, *_: statements.append(sql),
        )
    async with adapters.uow() as uow:
        await uow.mailboxes.claim(parse_email("straße@example.com"), field="customer_email")
        read = len(statements)
        await uow.mailboxes.claim(parse_email("straße@example.com"), field="email")
        assert len(statements) == read  # the holder of the key is known already
        with pytest.raises(LookalikeAddressError) as refused:
            await uow.mailboxes.claim(parse_email("Straße@example.com"), field="email")
    assert refused.value.field == "email"
    if adapters.engine is not None:
        assert read >= 1


async def test_a_held_address_read_once_costs_later_units_of_work_no_statement(
    adapters: Adapters,
) -> None:
    await claim(adapters, "straße@example.com")  # inserted here: not known until read
    statements: list[str] = []
    if adapters.engine is not None:
        event.listen(
            adapters.engine.sync_engine,
            "before_cursor_execute",
            lambda _conn, _cursor, sql, *_: statements.append(sql),
        )
    await claim(adapters, "straße@example.com")  # read as committed: known from now on
    read = [sql for sql in statements if "mailboxes" in sql]
    statements.clear()
    await claim(adapters, "straße@example.com")
    with pytest.raises(LookalikeAddressError):
        await claim(adapters, "strasse@example.com")
    assert not [sql for sql in statements if "mailboxes" in sql]
    if adapters.engine is not None:
        assert read
