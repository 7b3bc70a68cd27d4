"""MailboxRegistry contract: the first spelling of an address holds it; look-alikes are refused."""

from __future__ import annotations

import pytest

from tessera.domain.access.mailboxes import LookalikeAddressError
from tessera.domain.tickets.values import parse_email
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
