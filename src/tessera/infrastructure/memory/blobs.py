"""In-memory blob storage for the unit tests (the contract suite holds it to the port)."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterable, AsyncIterator

from tessera.application.ports.storage import BlobTooLargeError, StoredBlob


class InMemoryBlobStorage:
    def __init__(self) -> None:
        self.blobs: dict[str, bytes] = {}

    async def put(self, chunks: AsyncIterable[bytes], *, max_bytes: int) -> StoredBlob:
        data = bytearray()
        async for chunk in chunks:
            data += chunk
            if len(data) > max_bytes:
                raise BlobTooLargeError(max_bytes)
        sha256 = hashlib.sha256(data).hexdigest()
        self.blobs.setdefault(sha256, bytes(data))
        return StoredBlob(sha256=sha256, size=len(data))

    async def open(
        self, sha256: str, *, start: int = 0, end: int | None = None
    ) -> AsyncIterator[bytes]:
        data = self.blobs[sha256]
        yield data[start : None if end is None else end + 1]

    async def delete(self, sha256: str) -> None:
        self.blobs.pop(sha256, None)

    async def exists(self, sha256: str) -> bool:
        return sha256 in self.blobs
