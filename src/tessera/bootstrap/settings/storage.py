"""Attachments (``TESSERA_STORAGE_*``)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings

from tessera.bootstrap.settings.base import settings_config


class StorageSettings(BaseSettings):
    """Attachments (``TESSERA_STORAGE_*``): files under ``directory`` unless ``url`` names an
    S3-compatible bucket; the limits every upload is held to."""

    model_config = settings_config("TESSERA_STORAGE_")

    url: str | None = Field(
        default=None, description="s3://[key:secret@]bucket[/prefix]?endpoint=https://..."
    )
    directory: Path = Path("tessera-data/attachments")
    max_file_bytes: int = Field(default=25 * 1024 * 1024, ge=1)
    max_files: int = Field(default=10, ge=1, le=1000)  # per comment (and per new ticket)
    refused_types: list[str] = Field(default_factory=list)
    sweep_seconds: float = Field(default=3600.0, gt=0, le=24 * 3600)

    @field_validator("url")
    @classmethod
    def _an_s3_bucket(cls, url: str | None) -> str | None:
        if url is not None and not url.startswith("s3://"):
            raise ValueError("must be s3://bucket?endpoint=... (leave unset for the filesystem)")
        return url

    @field_validator("refused_types")
    @classmethod
    def _lowercase(cls, types: list[str]) -> list[str]:
        return [t.strip().lower() for t in types if t.strip()]
