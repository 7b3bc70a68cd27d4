"""Byte ranges: one range clamped to the file, several or malformed ones ignored, a range
past the end unsatisfiable; If-None-Match matching."""

from __future__ import annotations

import pytest

from tessera.presentation.http.ranges import (
    ByteRange,
    Unsatisfiable,
    etag_matches,
    requested_range,
)


@pytest.mark.parametrize(
    ("header", "span"),
    [
        ("bytes=0-0", ByteRange(0, 0)),
        ("bytes=10-19", ByteRange(10, 19)),
        ("bytes=90-", ByteRange(90, 99)),
        ("bytes=50-5000", ByteRange(50, 99)),
        ("bytes=-10", ByteRange(90, 99)),
        ("bytes=-500", ByteRange(0, 99)),
        (None, None),
        ("bytes=0-5,10-15", None),
        ("items=0-5", None),
        ("bytes=9-3", None),
        ("bytes=-", None),
    ],
)
def test_a_range_header_names_one_span_of_the_file(header: str | None, span: ByteRange) -> None:
    assert requested_range(header, size=100) == span


@pytest.mark.parametrize(
    ("header", "size"), [("bytes=100-", 100), ("bytes=-0", 100), ("bytes=0-", 0)]
)
def test_a_range_past_the_end_is_unsatisfiable(header: str, size: int) -> None:
    with pytest.raises(Unsatisfiable):
        requested_range(header, size=size)


def test_if_none_match_names_the_tag_weakly_or_with_a_star() -> None:
    assert etag_matches('"a", W/"b"', '"b"')
    assert etag_matches("*", '"x"')
    assert not etag_matches('"a"', '"b"')
    assert not etag_matches(None, '"b"')
