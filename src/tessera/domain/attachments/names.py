"""What a file may be called and declared to be: sanitised names and well-formed media types."""

from __future__ import annotations

import re
import unicodedata

FILENAME_MAX = 255
FALLBACK_NAME = "file"
_MEDIA_TYPE = re.compile(r"^[a-z0-9][a-z0-9!#$&^_.+-]{0,126}/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$")
# Declared types that say nothing about the bytes: the bytes are asked instead.
GENERIC_TYPES = frozenset(
    {
        "application/octet-stream",
        "binary/octet-stream",
        "application/unknown",
        "application/x-www-form-urlencoded",  # what curl --data-binary declares by default
        "text/plain",
    }
)


def sanitise_filename(raw: str | None) -> str:
    """The last path part, without control or format characters (bidi overrides included),
    without leading dots, at most FILENAME_MAX characters with its extension kept."""
    value = (raw or "").replace("\\", "/").rsplit("/", 1)[-1]
    value = "".join(c for c in value if unicodedata.category(c) not in {"Cc", "Cf", "Zl", "Zp"})
    value = unicodedata.normalize("NFC", value).strip().lstrip(".").strip()
    if len(value) > FILENAME_MAX:
        stem, dot, extension = value.rpartition(".")
        if dot and 0 < len(extension) <= 16:
            value = stem[: FILENAME_MAX - len(extension) - 1] + "." + extension
        else:
            value = value[:FILENAME_MAX]
    return value or FALLBACK_NAME


def media_type(raw: str | None) -> str | None:
    """The ``type/subtype`` of a Content-Type header, lowercased; None when absent or malformed."""
    if raw is None:
        return None
    value = raw.split(";", 1)[0].strip().lower()
    return value if _MEDIA_TYPE.fullmatch(value) else None
