"""BlobStorage contract: memory, the filesystem and a real S3 API server (moto, on its own
port) keep the same promises: content addressing, ranged reads, the size limit, deletion."""

from __future__ import annotations

import hashlib
import os
from collections.abc import AsyncIterable, AsyncIterator, Iterator
from pathlib import Path

import pytest
from aiobotocore.session import get_session

from tessera.application.ports.storage import BlobStorage, BlobTooLargeError
from tessera.infrastructure.memory.blobs import InMemoryBlobStorage
from tessera.infrastructure.storage.filesystem import FilesystemBlobStorage
from tessera.infrastructure.storage.s3 import PART_BYTES, S3BlobStorage, S3Location
from tests.servers import ThrowawayServer, moto_command


@pytest.fixture(scope="module")
def moto_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    server = ThrowawayServer("moto_server", moto_command, tmp_path_factory.mktemp("moto"))
    server.start()
    try:
        yield f"http://127.0.0.1:{server.port}"
    finally:
        server.stop()


async def s3_bucket(endpoint: str, name: str) -> str:
    """A new, empty bucket; the URL that names it for the adapter."""
    async with get_session().create_client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    ) as s3:
        await s3.create_bucket(Bucket=name)
    return f"s3://test:test@{name}/tessera?endpoint={endpoint}"


@pytest.fixture(params=["memory", "filesystem", "s3"])
async def storage(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[BlobStorage]:
    if request.param == "memory":
        yield InMemoryBlobStorage()
        return
    if request.param == "filesystem":
        yield FilesystemBlobStorage(tmp_path / "blobs")
        return
    url = await s3_bucket(request.getfixturevalue("moto_url"), f"b{os.urandom(6).hex()}")
    s3 = S3BlobStorage(S3Location.parse(url))
    yield s3
    await s3.close()


async def stream(data: bytes, *, chunk: int = 100_000) -> AsyncIterator[bytes]:
    for start in range(0, len(data), chunk):
        yield data[start : start + chunk]


async def read(storage: BlobStorage, sha256: str, **span: int) -> bytes:
    return b"".join([chunk async for chunk in storage.open(sha256, **span)])


async def test_put_answers_the_digest_and_size_and_the_bytes_read_back(
    storage: BlobStorage,
) -> None:
    data = os.urandom(300_000)
    blob = await storage.put(stream(data), max_bytes=len(data))
    assert blob.sha256 == hashlib.sha256(data).hexdigest()
    assert blob.size == len(data)
    assert await storage.exists(blob.sha256)
    assert await read(storage, blob.sha256) == data


async def test_a_file_larger_than_a_part_is_stored_whole(storage: BlobStorage) -> None:
    data = os.urandom(PART_BYTES * 2 + 12_345)
    blob = await storage.put(stream(data, chunk=1 << 20), max_bytes=len(data))
    assert blob.size == len(data)
    assert hashlib.sha256(await read(storage, blob.sha256)).hexdigest() == blob.sha256


async def test_a_range_reads_the_bytes_from_start_to_end_inclusive(storage: BlobStorage) -> None:
    data = bytes(range(256)) * 40
    blob = await storage.put(stream(data), max_bytes=len(data))
    assert await read(storage, blob.sha256, start=10, end=19) == data[10:20]
    assert await read(storage, blob.sha256, start=len(data) - 5) == data[-5:]


async def test_identical_bytes_are_stored_once(storage: BlobStorage) -> None:
    data = b"same bytes" * 1000
    first = await storage.put(stream(data), max_bytes=len(data))
    second = await storage.put(stream(data), max_bytes=len(data))
    assert first == second
    await storage.delete(first.sha256)
    assert not await storage.exists(second.sha256)  # one copy: deleting it leaves none


async def test_bytes_past_the_limit_fail_and_leave_nothing(storage: BlobStorage) -> None:
    data = os.urandom(PART_BYTES + 10)
    with pytest.raises(BlobTooLargeError):
        await storage.put(stream(data, chunk=1 << 20), max_bytes=PART_BYTES)
    assert not await storage.exists(hashlib.sha256(data).hexdigest())


async def test_the_limit_stops_the_stream_before_it_is_read_to_the_end(
    storage: BlobStorage,
) -> None:
    pulled = 0

    async def endless() -> AsyncIterable[bytes]:
        nonlocal pulled
        while True:
            pulled += 1
            yield b"x" * 1000

    with pytest.raises(BlobTooLargeError):
        await storage.put(endless(), max_bytes=5000)
    assert pulled == 6


async def test_deleted_and_unknown_blobs_are_gone(storage: BlobStorage) -> None:
    blob = await storage.put(stream(b"short"), max_bytes=100)
    await storage.delete(blob.sha256)
    await storage.delete(blob.sha256)  # deleting twice is harmless
    assert not await storage.exists(blob.sha256)
    with pytest.raises(KeyError):
        await read(storage, blob.sha256)
    assert not await storage.exists("0" * 64)


async def test_an_empty_file_is_a_blob_of_size_zero(storage: BlobStorage) -> None:
    blob = await storage.put(stream(b""), max_bytes=10)
    assert blob == type(blob)(sha256=hashlib.sha256(b"").hexdigest(), size=0)
    assert await read(storage, blob.sha256) == b""
