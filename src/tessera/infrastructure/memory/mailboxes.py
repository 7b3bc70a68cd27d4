"""In-memory mailbox registry: one spelling per look-alike key, as in the SQL adapter."""

from __future__ import annotations

from tessera.domain.access.mailboxes import LookalikeAddressError, mailbox_key
from tessera.domain.tickets.values import EmailAddress
from tessera.infrastructure.memory.store import MemoryStore


class InMemoryMailboxRegistry:
    def __init__(self, work: MemoryStore) -> None:
        self._work = work

    async def claim(self, address: EmailAddress, *, field: str) -> None:
        held = self._work.mailboxes.setdefault(mailbox_key(address), address)
        if held != address:
            raise LookalikeAddressError(field, address)
