"""Blobs as files under one directory, named by their SHA-256 (``ab/cd/abcd...``).

Bytes land in a temporary file beside the blobs and are renamed into place only once
complete, so a reader never sees half a file and a crash leaves only a temporary file."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterable, AsyncIterator
from pathlib import Path
from typing import BinaryIO

from tessera.application.ports.storage import StoredBlob
from tessera.infrastructure.storage.metering import Meter

READ_CHUNK = 256 * 1024


class FilesystemBlobStorage:
    def __init__(self, root: Path) -> None:
        self._root = root
        self._incoming = root / "incoming"

    def _path(self, sha256: str) -> Path:
        if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
            raise KeyError(sha256)
        return self._root / sha256[:2] / sha256[2:4] / sha256

    async def put(self, chunks: AsyncIterable[bytes], *, max_bytes: int) -> StoredBlob:
        await asyncio.to_thread(self._incoming.mkdir, parents=True, exist_ok=True)
        temporary = self._incoming / uuid.uuid4().hex
        meter = Meter(max_bytes)
        handle = await asyncio.to_thread(temporary.open, "wb")
        try:
            async for chunk in meter.through(chunks):
                await asyncio.to_thread(handle.write, chunk)
            await asyncio.to_thread(_flush, handle)
        except BaseException:
            handle.close()
            temporary.unlink(missing_ok=True)
            raise
        handle.close()
        blob = meter.blob()
        await asyncio.to_thread(self._settle, temporary, self._path(blob.sha256))
        return blob

    @staticmethod
    def _settle(temporary: Path, final: Path) -> None:
        if final.exists():  # the same bytes are stored already
            temporary.unlink(missing_ok=True)
            return
        final.parent.mkdir(parents=True, exist_ok=True)
        os.replace(temporary, final)

    async def open(
        self, sha256: str, *, start: int = 0, end: int | None = None
    ) -> AsyncIterator[bytes]:
        path = self._path(sha256)
        try:
            handle = await asyncio.to_thread(path.open, "rb")
        except FileNotFoundError:
            raise KeyError(sha256) from None
        try:
            await asyncio.to_thread(handle.seek, start)
            remaining = None if end is None else end - start + 1
            while remaining is None or remaining > 0:
                want = READ_CHUNK if remaining is None else min(READ_CHUNK, remaining)
                chunk = await asyncio.to_thread(handle.read, want)
                if not chunk:
                    return
                if remaining is not None:
                    remaining -= len(chunk)
                yield chunk
        finally:
            handle.close()

    async def delete(self, sha256: str) -> None:
        await asyncio.to_thread(self._path(sha256).unlink, missing_ok=True)

    async def exists(self, sha256: str) -> bool:
        try:
            path = self._path(sha256)
        except KeyError:
            return False
        return await asyncio.to_thread(path.is_file)


def _flush(handle: BinaryIO) -> None:
    handle.flush()
    os.fsync(handle.fileno())
