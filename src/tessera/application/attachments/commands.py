"""Attachment commands and the limits uploads are held to."""

from __future__ import annotations

from collections.abc import AsyncIterable
from dataclasses import dataclass, field

from tessera.domain.attachments.names import GENERIC_TYPES


@dataclass(frozen=True, slots=True, kw_only=True)
class UploadFile:
    """The bytes as they arrive, with what the client said of them (both may be absent)."""

    chunks: AsyncIterable[bytes]
    filename: str | None
    content_type: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class AttachmentLimits:
    max_bytes: int = 25 * 1024 * 1024
    max_per_comment: int = 10
    refused_types: frozenset[str] = frozenset()
    generic_types: frozenset[str] = field(default=GENERIC_TYPES)
