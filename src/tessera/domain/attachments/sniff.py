"""The media type that a file's first bytes show (a small table of signatures)."""

from __future__ import annotations

SNIFF_BYTES = 512

# (offset, signature, media type); the first match wins.
_SIGNATURES: tuple[tuple[int, bytes, str], ...] = (
    (0, b"\x89PNG\r\n\x1a\n", "image/png"),
    (0, b"\xff\xd8\xff", "image/jpeg"),
    (0, b"GIF87a", "image/gif"),
    (0, b"GIF89a", "image/gif"),
    (0, b"%PDF-", "application/pdf"),
    (0, b"PK\x03\x04", "application/zip"),
    (0, b"\x1f\x8b", "application/gzip"),
    (0, b"BM", "image/bmp"),
    (0, b"II*\x00", "image/tiff"),
    (0, b"MM\x00*", "image/tiff"),
    (8, b"WEBP", "image/webp"),
    (4, b"ftyp", "video/mp4"),
    (0, b"\x7fELF", "application/x-executable"),
    (0, b"MZ", "application/x-msdownload"),
    (0, b"Rar!\x1a\x07", "application/vnd.rar"),
    (0, b"7z\xbc\xaf\x27\x1c", "application/x-7z-compressed"),
)


def sniff(head: bytes, *, whole: bool = False) -> str:
    """The type the bytes show; text/plain for UTF-8 text, else application/octet-stream.
    ``whole``: ``head`` is the entire file, so a character cut at its end is not the sniff
    limit's doing but bytes that are not UTF-8."""
    for offset, signature, found in _SIGNATURES:
        if head[offset : offset + len(signature)] == signature:
            return found
    if b"\x00" not in head:
        try:
            head.decode("utf-8")
        except UnicodeDecodeError as cut:
            merely_cut = cut.reason == "unexpected end of data" and cut.start >= len(head) - 3
            if whole or not merely_cut:  # not a character cut at the sniff limit
                return "application/octet-stream"
        return "text/plain"
    return "application/octet-stream"


def is_textual(media_type: str) -> bool:
    """Whether the type says its bytes are text: ``text/*``, JSON, XML, JavaScript."""
    kind, _, sub = media_type.partition("/")
    return (
        kind == "text"
        or sub in ("json", "xml", "javascript", "ecmascript", "x-ndjson")
        or sub.endswith(("+json", "+xml"))
    )


def content_type_of(
    declared: str | None, head: bytes, *, generic: frozenset[str], whole: bool = False
) -> str:
    """The declared type, unless it is absent or generic, or says text (JSON, XML, ...) of
    bytes that are not: then what the bytes show (``whole``: ``head`` is the entire file).
    A download is served with this type: a client reading ``application/json`` or
    ``text/*`` must not be handed bytes that are not text."""
    shown = sniff(head, whole=whole)
    if declared is None or declared in generic:
        return shown
    if is_textual(declared) and shown != "text/plain":
        return shown
    return declared
