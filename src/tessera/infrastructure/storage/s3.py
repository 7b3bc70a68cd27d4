"""Blobs as objects in an S3-compatible bucket, keyed by their SHA-256 (``blobs/<sha256>``).

Small files go up in one request; larger ones in parts (multipart upload) under a temporary
key that is copied to its content address once the digest is known, so memory holds at most
one part whatever the size."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterable, AsyncIterator
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, unquote, urlsplit

from aiobotocore.session import get_session
from botocore.config import Config
from botocore.exceptions import ClientError

from tessera.application.ports.storage import StoredBlob
from tessera.infrastructure.storage.metering import Meter

if TYPE_CHECKING:
    from types_aiobotocore_s3.client import S3Client

PART_BYTES = 8 * 1024 * 1024  # above S3's 5 MiB floor for every part but the last
READ_CHUNK = 256 * 1024
_MISSING = {"NoSuchKey", "404", "NotFound"}


@dataclass(frozen=True, slots=True, kw_only=True)
class S3Location:
    bucket: str
    endpoint: str | None
    region: str
    prefix: str
    access_key: str | None
    secret_key: str | None

    @classmethod
    def parse(cls, url: str) -> S3Location:
        """``s3://[key:secret@]bucket[/prefix]?endpoint=https://...&region=...``."""
        parts = urlsplit(url)
        if parts.scheme != "s3" or not parts.hostname:
            raise ValueError("must be s3://bucket?endpoint=...")
        query = parse_qs(parts.query)
        prefix = parts.path.strip("/")
        return cls(
            bucket=parts.hostname,
            endpoint=query.get("endpoint", [None])[0],
            region=query.get("region", ["us-east-1"])[0],
            prefix=f"{prefix}/" if prefix else "",
            access_key=unquote(parts.username) if parts.username else None,
            secret_key=unquote(parts.password) if parts.password else None,
        )


class S3BlobStorage:
    def __init__(self, location: S3Location) -> None:
        self._location = location
        self._stack = contextlib.AsyncExitStack()
        self._client: S3Client | None = None

    async def _s3(self) -> S3Client:
        if self._client is None:
            where = self._location
            self._client = await self._stack.enter_async_context(
                get_session().create_client(
                    "s3",
                    endpoint_url=where.endpoint,
                    region_name=where.region,
                    aws_access_key_id=where.access_key,
                    aws_secret_access_key=where.secret_key,
                    config=Config(s3={"addressing_style": "path"}),
                )
            )
        assert self._client is not None
        return self._client

    async def close(self) -> None:
        self._client = None
        await self._stack.aclose()

    def _key(self, sha256: str) -> str:
        return f"{self._location.prefix}blobs/{sha256}"

    async def put(self, chunks: AsyncIterable[bytes], *, max_bytes: int) -> StoredBlob:
        s3 = await self._s3()
        meter = Meter(max_bytes)
        part = bytearray()
        upload: _Multipart | None = None
        try:
            async for chunk in meter.through(chunks):
                part += chunk
                if len(part) >= PART_BYTES:
                    upload = upload or await _Multipart.start(s3, self._location, self._temp())
                    await upload.send(bytes(part))
                    part.clear()
            blob = meter.blob()
            await self._settle(blob, upload, bytes(part))
            return blob
        except BaseException:
            if upload is not None:
                await upload.abort()
            raise
        finally:
            if upload is not None:
                await s3.delete_object(Bucket=self._location.bucket, Key=upload.key)

    async def _settle(self, blob: StoredBlob, upload: _Multipart | None, rest: bytes) -> None:
        """Put the bytes at their content address, unless the same bytes are there already."""
        s3 = await self._s3()
        final = self._key(blob.sha256)
        if upload is None:
            if not await self._present(final):
                await s3.put_object(Bucket=self._location.bucket, Key=final, Body=rest)
            return
        if rest:
            await upload.send(rest)
        await upload.finish()
        if not await self._present(final):
            await s3.copy_object(
                Bucket=self._location.bucket,
                Key=final,
                CopySource={"Bucket": self._location.bucket, "Key": upload.key},
            )

    def _temp(self) -> str:
        return f"{self._location.prefix}incoming/{uuid.uuid4().hex}"

    async def _present(self, key: str) -> bool:
        s3 = await self._s3()
        try:
            await s3.head_object(Bucket=self._location.bucket, Key=key)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in _MISSING:
                return False
            raise
        return True

    async def open(
        self, sha256: str, *, start: int = 0, end: int | None = None
    ) -> AsyncIterator[bytes]:
        s3 = await self._s3()
        bucket, key = self._location.bucket, self._key(sha256)
        try:
            if start == 0 and end is None:  # an empty object has no range to ask for
                answer = await s3.get_object(Bucket=bucket, Key=key)
            else:
                span = f"bytes={start}-{'' if end is None else end}"
                answer = await s3.get_object(Bucket=bucket, Key=key, Range=span)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in _MISSING:
                raise KeyError(sha256) from None
            raise
        body = answer["Body"]
        try:
            while chunk := await body.read(READ_CHUNK):
                yield chunk
        finally:
            body.close()

    async def delete(self, sha256: str) -> None:
        s3 = await self._s3()
        await s3.delete_object(Bucket=self._location.bucket, Key=self._key(sha256))

    async def exists(self, sha256: str) -> bool:
        return await self._present(self._key(sha256))


class _Multipart:
    def __init__(self, s3: S3Client, bucket: str, key: str, upload_id: str) -> None:
        self._s3 = s3
        self._bucket = bucket
        self.key = key
        self._id = upload_id
        self._parts: list[dict[str, object]] = []

    @classmethod
    async def start(cls, s3: S3Client, location: S3Location, key: str) -> _Multipart:
        created = await s3.create_multipart_upload(Bucket=location.bucket, Key=key)
        return cls(s3, location.bucket, key, created["UploadId"])

    async def send(self, data: bytes) -> None:
        number = len(self._parts) + 1
        sent = await self._s3.upload_part(
            Bucket=self._bucket, Key=self.key, UploadId=self._id, PartNumber=number, Body=data
        )
        self._parts.append({"ETag": sent["ETag"], "PartNumber": number})

    async def finish(self) -> None:
        await self._s3.complete_multipart_upload(
            Bucket=self._bucket,
            Key=self.key,
            UploadId=self._id,
            MultipartUpload={"Parts": self._parts},  # type: ignore[typeddict-item]
        )
        self._id = ""

    async def abort(self) -> None:
        if self._id:
            with contextlib.suppress(ClientError):
                await self._s3.abort_multipart_upload(
                    Bucket=self._bucket, Key=self.key, UploadId=self._id
                )
