"""Blob storage port: attachment bytes, streamed in and out, addressed by their SHA-256."""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator
from dataclasses import dataclass
from typing import Protocol

from tessera.domain.errors import TesseraError


@dataclass(frozen=True, slots=True, kw_only=True)
class StoredBlob:
    sha256: str  # lowercase hex
    size: int


class BlobTooLargeError(TesseraError):
    """The bytes ran past the limit while they were being stored."""

    code = "payload_too_large"

    def __init__(self, limit: int) -> None:
        super().__init__(f"A file may have at most {limit} bytes", details={"limit": limit})
        self.limit = limit


class BlobStorage(Protocol):
    """Content-addressed bytes: storing the same bytes twice keeps one copy.

    ``put`` consumes ``chunks`` as they come (never holding them whole) and raises
    BlobTooLargeError, leaving nothing behind, as soon as more than ``max_bytes`` arrived.
    ``open`` streams the bytes ``start`` to ``end`` (inclusive; None is the last byte) and
    raises KeyError for a blob it does not hold. ``delete`` of a missing blob does nothing.
    """

    async def put(self, chunks: AsyncIterable[bytes], *, max_bytes: int) -> StoredBlob: ...

    def open(
        self, sha256: str, *, start: int = 0, end: int | None = None
    ) -> AsyncIterator[bytes]: ...

    async def delete(self, sha256: str) -> None: ...

    async def exists(self, sha256: str) -> bool: ...
