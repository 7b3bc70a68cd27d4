"""Mailbox port: the one spelling under which each customer address is known."""

from __future__ import annotations

from typing import Protocol

from tessera.domain.access.mailboxes import EmailAddress


class MailboxRegistry(Protocol):
    """Written inside a unit of work, before a ticket or token with an address is stored."""

    async def claim(self, address: EmailAddress, *, field: str) -> None:
        """Record ``address`` as the spelling of its ``mailbox_key``; claiming a known address
        again is a no-op. Raises LookalikeAddressError when another spelling holds the key."""
        ...
