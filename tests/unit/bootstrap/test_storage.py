"""The storage builder: files under the directory by default, S3 for an s3:// URL, the
limits from the settings, and an override in place of either."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from tessera.bootstrap.overrides import Overrides
from tessera.bootstrap.settings import StorageSettings
from tessera.bootstrap.storage import build_storage
from tessera.infrastructure.memory.blobs import InMemoryBlobStorage
from tessera.infrastructure.storage.filesystem import FilesystemBlobStorage
from tessera.infrastructure.storage.s3 import S3BlobStorage, S3Location


def test_the_filesystem_is_the_default_with_the_limits_of_the_settings(tmp_path: Path) -> None:
    built = build_storage(
        StorageSettings(
            directory=tmp_path, max_file_bytes=5, max_files=2, refused_types=[" Text/HTML "]
        ),
        overrides=Overrides(),
    )
    assert isinstance(built.blobs, FilesystemBlobStorage)
    assert (built.limits.max_bytes, built.limits.max_per_comment) == (5, 2)
    assert built.limits.refused_types == frozenset({"text/html"})


async def test_an_s3_url_builds_the_s3_adapter_and_its_closer() -> None:
    built = build_storage(
        StorageSettings(url="s3://k:s%2Fx@files/tessera?endpoint=http://127.0.0.1:9&region=eu"),
        overrides=Overrides(),
    )
    assert isinstance(built.blobs, S3BlobStorage)
    assert len(built.closers) == 1
    await built.closers[0]()


def test_an_s3_url_names_bucket_prefix_endpoint_region_and_keys() -> None:
    where = S3Location.parse("s3://k:s%2Fx@files/tessera?endpoint=http://127.0.0.1:9&region=eu")
    assert (where.bucket, where.prefix, where.endpoint, where.region) == (
        "files",
        "tessera/",
        "http://127.0.0.1:9",
        "eu",
    )
    assert (where.access_key, where.secret_key) == ("k", "s/x")


def test_a_url_that_is_not_s3_is_refused() -> None:
    with pytest.raises(ValidationError):
        StorageSettings(url="ftp://files")


def test_an_override_replaces_the_adapter() -> None:
    blobs = InMemoryBlobStorage()
    assert build_storage(StorageSettings(), overrides=Overrides(storage=blobs)).blobs is blobs
