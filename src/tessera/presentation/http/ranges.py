"""HTTP byte ranges (RFC 9110 §14): one range is served, several or malformed ones are not."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

_RANGE: Final = re.compile(r"^bytes=(\d{0,19})-(\d{0,19})$")


@dataclass(frozen=True, slots=True)
class ByteRange:
    start: int
    end: int  # inclusive


class Unsatisfiable(Exception):  # noqa: N818 - a result, not a failure of the code
    """The range lies wholly past the end of the file."""


def requested_range(header: str | None, *, size: int) -> ByteRange | None:
    """The one range asked for, clamped to the file; None to send the whole file (no
    header, a malformed one, or several ranges, which a server may ignore).

    Raises Unsatisfiable when the range starts past the last byte, or the file is empty."""
    if header is None:
        return None
    found = _RANGE.match(header.strip())
    if found is None or found.group(1) == found.group(2) == "":
        return None
    first, last = found.group(1), found.group(2)
    if first == "":  # the last N bytes
        length = int(last)
        if length == 0 or size == 0:
            raise Unsatisfiable
        return ByteRange(max(size - length, 0), size - 1)
    start = int(first)
    end = size - 1 if last == "" else min(int(last), size - 1)
    if last != "" and int(last) < start:
        return None  # not a valid range: ignored
    if start >= size:
        raise Unsatisfiable
    return ByteRange(start, end)


def etag_matches(header: str | None, etag: str) -> bool:
    """Whether If-None-Match names this entity tag (weak comparison) or is ``*``."""
    if header is None:
        return False
    tags = [t.strip().removeprefix("W/") for t in header.split(",")]
    return "*" in tags or etag in tags
