"""Who a mail acts as: the customer of its ``From`` address, as a requester without a token."""

from __future__ import annotations

from dataclasses import dataclass

from tessera.domain.access.mailboxes import EmailAddress
from tessera.domain.access.principal import Principal, Role

MAIL_AUTHOR_ID = 0  # no token wrote it: comments by mail carry author_id 0, role requester


@dataclass(frozen=True, slots=True, kw_only=True)
class MailAuthor(Principal):
    """Events name the mailbox the mail came in by (``mailbox:<id>``)."""

    mailbox_id: int

    @property
    def actor(self) -> str:
        return f"mailbox:{self.mailbox_id}"

    @classmethod
    def of(cls, sender: EmailAddress, *, mailbox_id: int) -> MailAuthor:
        return cls(
            token_id=MAIL_AUTHOR_ID,
            user_id=MAIL_AUTHOR_ID,
            name="e-mail",
            role=Role.REQUESTER,
            email=sender,
            mailbox_id=mailbox_id,
        )
