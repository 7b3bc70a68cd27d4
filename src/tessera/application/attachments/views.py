"""Attachment views: an upload's token with its file, and a download to read from."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

from tessera.application.views import AttachmentView


@dataclass(frozen=True, slots=True, kw_only=True)
class UploadView:
    token: str
    attachment: AttachmentView


Reader = Callable[[int, int | None], AsyncIterator[bytes]]


@dataclass(frozen=True, slots=True, kw_only=True)
class AttachmentContent:
    """``read(start, end)`` streams the bytes from ``start`` to ``end`` inclusive."""

    attachment: AttachmentView
    read: Reader
