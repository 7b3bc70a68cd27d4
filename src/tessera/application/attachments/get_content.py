"""Use case: read an attachment's metadata and open its bytes, for whoever may see it."""

from __future__ import annotations

from collections.abc import AsyncIterator

from tessera.application.attachments.errors import AttachmentNotFoundError
from tessera.application.attachments.views import AttachmentContent
from tessera.application.ports.storage import BlobStorage
from tessera.application.ports.unit_of_work import UnitOfWorkFactory
from tessera.application.views import AttachmentView
from tessera.domain.access.principal import Principal


class GetAttachmentContentHandler:
    """Visibility follows the ticket and the comment: an internal note's files and other
    customers' files are AttachmentNotFoundError, as is an upload not yet attached for
    anyone but its uploader."""

    def __init__(self, *, uow: UnitOfWorkFactory, storage: BlobStorage) -> None:
        self._uow = uow
        self._storage = storage

    async def __call__(self, attachment_id: int, *, principal: Principal) -> AttachmentContent:
        async with self._uow() as uow:
            attachment = await uow.attachments.get(attachment_id)
            if attachment is None or not attachment.visible_to(principal):
                raise AttachmentNotFoundError(attachment_id)
            if attachment.ticket_id is not None:
                ticket = await uow.tickets.get(attachment.ticket_id)
                if ticket is None or not ticket.visible_to(principal):
                    raise AttachmentNotFoundError(attachment_id)
        sha256 = attachment.sha256

        def read(start: int, end: int | None) -> AsyncIterator[bytes]:
            return self._storage.open(sha256, start=start, end=end)

        return AttachmentContent(attachment=AttachmentView.of(attachment), read=read)
