"""The ``Content-Disposition`` of a download."""

from __future__ import annotations

from urllib.parse import quote


def content_disposition(filename: str) -> str:
    """RFC 6266: an ASCII fallback name and the exact name as UTF-8 in ``filename*``."""
    fallback = "".join(c if 0x20 <= ord(c) < 0x7F and c not in '"\\' else "_" for c in filename)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"
