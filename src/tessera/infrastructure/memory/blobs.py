"""In-memory blob storage for the unit tests (the contract suite holds it to the port)."""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator

from tessera.application.ports.storage import StoredBlob
from tessera.infrastructure.storage.metering import Meter


class InMemoryBlobStorage:
    def __init__(self) -> None:
        self.blobs: dict[str, bytes] = {}

    async def put(self, chunks: AsyncIterable[bytes], *, max_bytes: int) -> StoredBlob:
        meter = Meter(max_bytes)
        data = b"".join([chunk async for chunk in meter.through(chunks)])
        blob = meter.blob()
        self.blobs.setdefault(blob.sha256, data)
        return blob

    async def open(
        self, sha256: str, *, start: int = 0, end: int | None = None
    ) -> AsyncIterator[bytes]:
        data = self.blobs[sha256]
        yield data[start : None if end is None else end + 1]

    async def delete(self, sha256: str) -> None:
        self.blobs.pop(sha256, None)

    async def exists(self, sha256: str) -> bool:
        return sha256 in self.blobs
