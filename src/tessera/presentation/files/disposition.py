"""The ``Content-Disposition`` of a download, and the pages' file download."""

from __future__ import annotations

from urllib.parse import quote

from starlette.responses import StreamingResponse

from tessera.application.attachments.views import AttachmentContent


def content_disposition(filename: str) -> str:
    """RFC 6266: an ASCII fallback name and the exact name as UTF-8 in ``filename*``."""
    fallback = "".join(c if 0x20 <= ord(c) < 0x7F and c not in '"\\' else "_" for c in filename)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def page_download(content: AttachmentContent) -> StreamingResponse:
    """A file for a page's link (console or portal): always a download, never rendered as a
    page of this site, and never kept by a shared cache."""
    file = content.attachment
    return StreamingResponse(
        content.read(0, None),
        media_type=file.content_type,
        headers={
            "Content-Disposition": content_disposition(file.filename),
            "Content-Length": str(file.size),
            "ETag": f'"{file.sha256}"',
            "Cache-Control": "private, no-store",
        },
    )
