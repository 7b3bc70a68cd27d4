"""Where attachment bytes live: files under the data directory, or an S3-compatible bucket."""

from __future__ import annotations

from dataclasses import dataclass

from tessera.application.attachments.commands import AttachmentLimits
from tessera.application.ports.storage import BlobStorage
from tessera.bootstrap.overrides import Closer, Overrides
from tessera.bootstrap.settings import StorageSettings
from tessera.infrastructure.storage.filesystem import FilesystemBlobStorage
from tessera.infrastructure.storage.s3 import S3BlobStorage, S3Location


@dataclass(frozen=True, slots=True, kw_only=True)
class Storage:
    blobs: BlobStorage
    limits: AttachmentLimits
    closers: tuple[Closer, ...]


def build_storage(storage: StorageSettings, *, overrides: Overrides) -> Storage:
    limits = AttachmentLimits(
        max_bytes=storage.max_file_bytes,
        max_per_comment=storage.max_files,
        refused_types=frozenset(storage.refused_types),
    )
    if overrides.storage is not None:
        return Storage(blobs=overrides.storage, limits=limits, closers=())
    if storage.url is None:
        return Storage(blobs=FilesystemBlobStorage(storage.directory), limits=limits, closers=())
    s3 = S3BlobStorage(S3Location.parse(storage.url))
    return Storage(blobs=s3, limits=limits, closers=(s3.close,))
