"""Use case: store an uploaded file and hand back the token that attaches it once."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterable, AsyncIterator

from tessera.application.attachments.blobs import forget_blobs
from tessera.application.attachments.commands import AttachmentLimits, UploadFile
from tessera.application.attachments.errors import RefusedTypeError
from tessera.application.attachments.views import UploadView
from tessera.application.ports.clock import Clock
from tessera.application.ports.storage import BlobStorage
from tessera.application.ports.unit_of_work import UnitOfWorkFactory
from tessera.application.tokens.secret import hash_secret
from tessera.application.views import AttachmentView
from tessera.domain.access.principal import Principal
from tessera.domain.attachments.attachment import Attachment
from tessera.domain.attachments.names import media_type, sanitise_filename
from tessera.domain.attachments.sniff import SNIFF_BYTES, content_type_of

UPLOAD_TOKEN_PREFIX = "upl_"  # noqa: S105 - a prefix that secret scanners can recognise


class UploadFileHandler:
    """Any authenticated principal may upload. Raises BlobTooLargeError (past the size
    limit, checked while the bytes arrive) and RefusedTypeError (a refused type, declared or
    found in the bytes)."""

    def __init__(
        self,
        *,
        uow: UnitOfWorkFactory,
        storage: BlobStorage,
        clock: Clock,
        limits: AttachmentLimits,
    ) -> None:
        self._uow = uow
        self._storage = storage
        self._clock = clock
        self._limits = limits

    async def __call__(self, command: UploadFile, *, principal: Principal) -> UploadView:
        declared = media_type(command.content_type)
        self._check_type(declared)
        head = bytearray()
        blob = await self._storage.put(
            _keeping_head(command.chunks, head), max_bytes=self._limits.max_bytes
        )
        content_type = content_type_of(
            declared,
            bytes(head),
            generic=self._limits.generic_types,
            whole=blob.size == len(head),
        )
        try:
            self._check_type(content_type)
        except RefusedTypeError:
            await forget_blobs(self._uow, self._storage, [blob.sha256])
            raise
        token = UPLOAD_TOKEN_PREFIX + secrets.token_urlsafe(32)
        attachment = Attachment.upload(
            sha256=blob.sha256,
            size=blob.size,
            content_type=content_type,
            filename=sanitise_filename(command.filename),
            uploader=principal,
            token_hash=hash_secret(token),
            now=self._clock.now(),
        )
        async with self._uow() as uow:
            await uow.attachments.add(attachment)
            await uow.commit()
        return UploadView(token=token, attachment=AttachmentView.of(attachment))

    def _check_type(self, content_type: str | None) -> None:
        if content_type is not None and content_type in self._limits.refused_types:
            raise RefusedTypeError(content_type)


async def _keeping_head(chunks: AsyncIterable[bytes], head: bytearray) -> AsyncIterator[bytes]:
    async for chunk in chunks:
        if len(head) < SNIFF_BYTES:
            head += chunk[: SNIFF_BYTES - len(head)]
        yield chunk
