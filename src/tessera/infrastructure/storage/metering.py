"""Bytes counted and hashed as they pass, held to a size limit: what every store's put does."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterable, AsyncIterator

from tessera.application.ports.storage import BlobTooLargeError, StoredBlob


class Meter:
    def __init__(self, max_bytes: int) -> None:
        self._max_bytes = max_bytes
        self._digest = hashlib.sha256()
        self._size = 0

    async def through(self, chunks: AsyncIterable[bytes]) -> AsyncIterator[bytes]:
        """The chunks, unchanged; raises BlobTooLargeError once more than the limit came."""
        async for chunk in chunks:
            self._size += len(chunk)
            if self._size > self._max_bytes:
                raise BlobTooLargeError(self._max_bytes)
            self._digest.update(chunk)
            yield chunk

    def blob(self) -> StoredBlob:
        return StoredBlob(sha256=self._digest.hexdigest(), size=self._size)
