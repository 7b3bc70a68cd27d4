"""Removing bytes from storage once no record names them any more."""

from __future__ import annotations

from collections.abc import Iterable

from tessera.application.ports.storage import BlobStorage
from tessera.application.ports.unit_of_work import UnitOfWorkFactory


async def forget_blobs(uow: UnitOfWorkFactory, storage: BlobStorage, sha256s: Iterable[str]) -> int:
    """Delete each blob that no attachment refers to (after the records were removed and
    committed); returns how many were deleted."""
    deleted = 0
    for sha256 in sorted(set(sha256s)):
        async with uow() as work:
            if await work.attachments.referenced(sha256):
                continue
        await storage.delete(sha256)
        deleted += 1
    return deleted
