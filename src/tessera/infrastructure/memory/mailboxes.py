"""In-memory mailbox registry: one spelling per look-alike key, as in the SQL adapter."""

from __future__ import annotations

from tessera.domain.access.mailboxes import EmailAddress, LookalikeAddressError, mailbox_key
from tessera.infrastructure.memory.store import MemoryStore, PendingWrites


class InMemoryMailboxRegistry:
    def __init__(self, store: MemoryStore, pending: PendingWrites) -> None:
        self._store = store
        self._pending = pending
        self._fields: dict[str, tuple[str, EmailAddress]] = {}

    async def claim(self, address: EmailAddress, *, field: str) -> None:
        key = mailbox_key(address)
        held = self._store.mailboxes.get(key) or self._pending.mailboxes.setdefault(key, address)
        if held != address:
            raise LookalikeAddressError(field, address)
        self._fields.setdefault(key, (field, address))

    def check_unclaimed(self) -> None:
        """At commit: a unit that overlapped this one may have claimed the key meanwhile;
        as with the SQL adapter's primary key, the first committed claim wins."""
        for key, address in self._pending.mailboxes.items():
            held = self._store.mailboxes.get(key)
            if held is not None and held != address:
                field, claimed = self._fields[key]
                raise LookalikeAddressError(field, claimed)
