"""Filenames are sanitised, media types normalised, and the bytes tell the type when the
declared one says nothing."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tessera.domain.attachments.names import (
    FILENAME_MAX,
    GENERIC_TYPES,
    media_type,
    sanitise_filename,
)
from tessera.domain.attachments.sniff import content_type_of, sniff


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\ada\\report.pdf", "report.pdf"),
        ("..hidden", "hidden"),
        ("a\x00b\x1fc\x7f.txt", "abc.txt"),
        ("\u202etxt.exe", "txt.exe"),
        ("   ", "file"),
        (None, "file"),
        ("dir/", "file"),
    ],
)
def test_a_filename_keeps_only_a_safe_last_part(raw: str | None, clean: str) -> None:
    assert sanitise_filename(raw) == clean


def test_a_long_name_is_cut_with_its_extension_kept() -> None:
    cut = sanitise_filename("x" * 400 + ".tar.gz")
    assert len(cut) == FILENAME_MAX
    assert cut.endswith("x.gz")


@given(st.text())
def test_no_name_has_a_separator_a_control_character_or_too_many_characters(raw: str) -> None:
    clean = sanitise_filename(raw)
    assert 1 <= len(clean) <= FILENAME_MAX
    assert "/" not in clean
    assert "\\" not in clean
    assert all(ord(c) >= 0x20 and c != "\x7f" for c in clean)
    assert not clean.startswith(".")


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("Image/PNG; charset=binary", "image/png"),
        ("text/plain", "text/plain"),
        ("nonsense", None),
        ("a/b/c", None),
        (None, None),
    ],
)
def test_a_declared_type_is_its_lowercased_essence(raw: str | None, clean: str | None) -> None:
    assert media_type(raw) == clean


@pytest.mark.parametrize(
    ("head", "found"),
    [
        (b"\x89PNG\r\n\x1a\n....", "image/png"),
        (b"\xff\xd8\xff\xe0..JFIF", "image/jpeg"),
        (b"%PDF-1.7", "application/pdf"),
        (b"RIFF\x10\x00\x00\x00WEBPVP8 ", "image/webp"),
        (b"PK\x03\x04rest", "application/zip"),
        (b"hello, world\n", "text/plain"),
        ("naïve text".encode(), "text/plain"),
        (b"\x00\x01\x02\x03\xfe", "application/octet-stream"),
        (b"\xfe\xff\xfa\xfb bytes that are not utf-8", "application/octet-stream"),
    ],
)
def test_the_bytes_tell_their_type(head: bytes, found: str) -> None:
    assert sniff(head) == found


def test_utf_8_cut_at_the_sniff_limit_is_still_text() -> None:
    assert sniff("é".encode() * 255 + b"\xc3") == "text/plain"


def test_the_declared_type_wins_unless_it_is_absent_or_generic() -> None:
    png = b"\x89PNG\r\n\x1a\n"
    assert content_type_of("image/x-icon", png, generic=GENERIC_TYPES) == "image/x-icon"
    assert content_type_of("application/octet-stream", png, generic=GENERIC_TYPES) == "image/png"
    assert content_type_of(None, png, generic=GENERIC_TYPES) == "image/png"


@pytest.mark.parametrize(
    "declared", ["application/json", "text/html", "text/csv", "application/xml", "image/svg+xml"]
)
def test_a_declared_text_type_of_bytes_that_are_not_text_gives_way_to_the_bytes(
    declared: str,
) -> None:
    binary = b"\x93\x9f\xff\xfe\x00 not text"
    assert content_type_of(declared, binary, generic=GENERIC_TYPES) == "application/octet-stream"
    png = b"\x89PNG\r\n\x1a\n"
    assert content_type_of(declared, png, generic=GENERIC_TYPES) == "image/png"
    words = b'{"a": "text that is text"}'
    assert content_type_of(declared, words, generic=GENERIC_TYPES) == declared


def test_a_whole_file_whose_last_character_is_cut_or_bad_is_not_text() -> None:
    assert sniff(b"a\x8c", whole=True) == "application/octet-stream"
    assert sniff(b"a\x8c") == "application/octet-stream"  # a lone continuation byte
    assert sniff(b"words \xc3", whole=True) == "application/octet-stream"
    assert sniff(b"words \xc3") == "text/plain"  # a head cut inside a character
    short = b"a\x8c"
    assert content_type_of("text/yaml", short, generic=GENERIC_TYPES, whole=True) == (
        "application/octet-stream"
    )
