"""The file part of a multipart/form-data body, streamed as it arrives (never spooled).

The first part that carries a filename (or is named ``file``) is the upload; the parts before
it are skipped and whatever follows it is not read."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header

from tessera.domain.errors import DomainValidationError

_MAX_PART_HEADERS = 16 * 1024


@dataclass
class _State:
    headers: dict[bytes, bytes] = field(default_factory=dict)
    field_name: bytearray = field(default_factory=bytearray)
    field_value: bytearray = field(default_factory=bytearray)
    in_file: bool = False
    found: bool = False
    done: bool = False
    filename: str | None = None
    content_type: str | None = None
    pending: list[bytes] = field(default_factory=list)

    def header_end(self) -> None:
        self.headers[bytes(self.field_name).lower()] = bytes(self.field_value)
        self.field_name.clear()
        self.field_value.clear()

    def headers_finished(self) -> None:
        _, options = parse_options_header(self.headers.get(b"content-disposition", b""))
        is_file = b"filename" in options or options.get(b"name") == b"file"
        if is_file and not self.found:
            self.found = self.in_file = True
            raw = options.get(b"filename")
            self.filename = raw.decode("utf-8", "replace") if raw is not None else None
            declared = self.headers.get(b"content-type")
            self.content_type = declared.decode("latin-1") if declared else None
        self.headers = {}

    def part_data(self, data: bytes, start: int, end: int) -> None:
        if self.in_file:
            self.pending.append(bytes(data[start:end]))

    def part_end(self) -> None:
        if self.in_file:
            self.in_file = False
            self.done = True


@dataclass(frozen=True, slots=True)
class FilePart:
    filename: str | None
    content_type: str | None
    chunks: AsyncIterator[bytes]


def _boundary(content_type: str) -> bytes:
    _, options = parse_options_header(content_type)
    boundary = options.get(b"boundary")
    if not boundary or len(boundary) > 200:
        raise DomainValidationError.single("Content-Type", "needs a multipart boundary")
    return boundary


class _Feed:
    """The body through the parser, one piece at a time."""

    def __init__(self, parser: MultipartParser, body: AsyncIterator[bytes]) -> None:
        self._parser = parser
        self._body = body

    async def more(self) -> bool:
        """False at the end of the body."""
        async for chunk in self._body:
            try:
                self._parser.write(chunk)
            except MultipartParseError:
                raise DomainValidationError.single("body", "is not valid multipart") from None
            return True
        return False


async def _file_chunks(state: _State, feed: _Feed) -> AsyncIterator[bytes]:
    while True:
        while state.pending:
            yield state.pending.pop(0)
        if state.done:
            return
        if not await feed.more():
            raise DomainValidationError.single("body", "the multipart body ended early")


async def file_part(content_type: str, body: AsyncIterator[bytes]) -> FilePart:
    """Reads up to the file part's headers. Raises DomainValidationError for a body that is
    not multipart or has no file part."""
    state = _State()
    parser = MultipartParser(
        _boundary(content_type),
        callbacks={
            "on_header_field": lambda d, s, e: state.field_name.extend(d[s:e]),
            "on_header_value": lambda d, s, e: state.field_value.extend(d[s:e]),
            "on_header_end": state.header_end,
            "on_headers_finished": state.headers_finished,
            "on_part_data": state.part_data,
            "on_part_end": state.part_end,
        },
        max_header_size=_MAX_PART_HEADERS,
    )
    feed = _Feed(parser, body)
    while not state.found:
        if not await feed.more():
            raise DomainValidationError.single("file", "a multipart body needs a file part")
    return FilePart(
        filename=state.filename, content_type=state.content_type, chunks=_file_chunks(state, feed)
    )
