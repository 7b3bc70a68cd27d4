"""Claiming upload tokens inside the unit of work that creates a ticket or a comment."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from tessera.application.ports.unit_of_work import UnitOfWork
from tessera.application.tokens.secret import hash_secret
from tessera.domain.access.principal import Principal
from tessera.domain.attachments.attachment import Attachment, check_count
from tessera.domain.errors import DomainValidationError


async def claim_uploads(
    uow: UnitOfWork,
    tokens: Sequence[str],
    *,
    principal: Principal,
    now: datetime,
    limit: int,
) -> list[Attachment]:
    """The uploads the tokens name, locked for this unit of work. Raises
    DomainValidationError for too many, repeated, unknown, expired or used tokens, and for
    another user's upload (its token is usable only by its uploader)."""
    check_count(len(tokens), limit=limit)
    if len(set(tokens)) != len(tokens):
        raise DomainValidationError.single("uploads", "names the same upload twice")
    claimed = []
    for position, token in enumerate(tokens):
        found = await uow.attachments.by_token(hash_secret(token))
        if found is None or not found.usable_by(principal, now=now):
            raise DomainValidationError.single(
                f"uploads.{position}", "is not an upload of yours that can still be attached"
            )
        claimed.append(found)
    return claimed


async def attach_all(
    uow: UnitOfWork,
    claimed: Sequence[Attachment],
    *,
    ticket_id: int,
    comment_id: int | None,
    public: bool,
) -> None:
    for attachment in claimed:
        attachment.attach(ticket_id=ticket_id, comment_id=comment_id, public=public)
        await uow.attachments.save(attachment)
