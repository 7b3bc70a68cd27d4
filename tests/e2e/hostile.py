"""The hostile inputs, and a raw ASGI caller that can send any bytes at all (httpx refuses some,
and buffers a Server-Sent Events answer that never ends)."""

from __future__ import annotations

import asyncio
import base64
import json
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import quote, unquote

from starlette.types import ASGIApp, Message

# Text: NUL, control and line-separator characters, odd Unicode, syntax of other languages.
TEXTS: Final[tuple[str, ...]] = (
    "\x00", "a\x00b", "\x00" * 64, "bob@example.com\x00", "\x00@example.com",
    "\u2028", "\u2029", "title\u2028line", "\x01\x02\x03", "\x1f", "\x7f", "\x1b[31mred",
    "\r\n", "\t\t", "\x0b\x0c", "\x85", "\u200b", "\u200e\u202e", "\ufeff", "\ufffd",
    "\ufffe", "\uffff", "\U0010ffff", "\U0001f525" * 30, "e\u0301" * 40, "\u0627\u0644",
    "ß", "ﬁnance@example.com", "STRASSE@EXAMPLE.COM", "x" * 5001, "y" * 70_000, "", " ",
    "\u3000", "null", "true", "[]", "{}", "'; DROP TABLE tickets; --", "\" OR \"1\"=\"1",
    "%00", "%s%n%x", "{{7*7}}", "${jndi:ldap://x/a}", "<script>alert(1)</script>",
    "../../etc/passwd", "\\", "\"", "*", "NEAR(a b)", "a OR b", "-", "\"unclosed", "()",
    "^", "a:b", "col:*", "\u00a0", "__proto__", "constructor",
)  # fmt: skip

# Numbers in text form: out of range, non-ASCII digits, floats, exponents, odd signs. None
# reads as 1 (the control ticket, the admin token) under any lenient parser: where a value
# reads as a small number at all, that number is 7, which names nothing.
NUMBERS: Final[tuple[str, ...]] = (
    "0", "-1", "-7", "2147483647", "2147483648", "4294967296", "9223372036854775807",
    "9223372036854775808", "18446744073709551616", "9" * 20, "1" * 400, "7.5", "7.0",
    "7e0", "1e400", "-0", "NaN", "Infinity", "-Infinity", "0x7", "0o7", "7_000", "+7",
    " 7", "7 ", "07", "\u00b2", "\u0663", "\u0661\u0662", "\uff17", "\u07c7", "\u2166",
)  # fmt: skip

# Other JSON values where text or a number belongs.
DEEP: Final = 10_000
JSON_VALUES: Final[tuple[Any, ...]] = (
    None, True, False, 0, -1, 7.5, 1e308, -1e308, 2**63, 2**64, 10**30, -(2**63) - 1,
    [], {}, [None], ["x"] * 100_000, list(range(5000)), {"": ""}, {"$gt": ""},
    {"__class__": "x"}, [[[]]],
)  # fmt: skip

# Whole bodies, as raw bytes.
RAW_BODIES: Final[tuple[bytes, ...]] = (
    b"", b" ", b"null", b"[]", b"0", b"\"text\"", b"{", b"{\"a\":}", b"{}garbage",
    b"\xff\xfe\x00{", b"\xef\xbb\xbf{}", b"{\"title\": \"\xff\"}", b"{\"title\": \"\xc0\xaf\"}",
    b"{\"title\": \"\xed\xa0\x80\"}", b"{\"title\": \"\\ud800\"}",
    b"{\"body\": \"\\udfff\\ud800\"}",
    b"{\"title\": \"\\u0000\"}", b"{\"a\": NaN}", b"{\"a\": Infinity}", b"{\"a\": 1e99999}",
    b"[" * DEEP + b"]" * DEEP, b"{\"a\":" * DEEP + b"1" + b"}" * DEEP,
    b"{\"title\": 1, \"title\": 2}", b"\x00" * 32,
)  # fmt: skip

# Query strings and paths already percent-encoded: bytes no client library would send.
RAW_ENCODED: Final[tuple[str, ...]] = (
    "%FF", "%C0%AF", "%ED%A0%80", "%E2%80%A8", "%00%00", "%", "%zz", "a%20b%0A",
)  # fmt: skip

# Entity tags for If-Match / If-None-Match.
ETAGS: Final[tuple[str, ...]] = (
    "garbage", "\"\"", "\"2-0\"", "\"2-99999999999999999999\"", "\"2-2147483648\"",
    "W/\"2-0\"", "\"1-1\", garbage", "\"2-²\"", "\"2-٣\"", "\"7-1\"", "\"2--1\"", "\"2-1.0\"",
    ",,,", " ", "\"2-0", "*, \"2-0\"", "\"" + "9" * 500 + "\"",
)  # fmt: skip


def _cursor(*parts: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(parts)).encode()).decode().rstrip("=")


# Cursors: tampered, for another sort, with keys of the wrong type or out of range.
CURSORS: Final[tuple[str, ...]] = (
    "garbage", "=", "AAAA", "W10", "%%%", _cursor(1, 2, 3), _cursor("-created_at"),
    _cursor("priority", "2026-01-01T00:00:00+00:00", 2), _cursor("-created_at", 2, 2),
    _cursor("-created_at", "2026-01-01T00:00:00+00:00", 2**63),
    _cursor("-created_at", "2026-01-01T00:00:00+00:00", 1e99),
    _cursor("-created_at", "2026-01-01T00:00:00+00:00", True),
    _cursor("-created_at", "0001-01-01T00:00:00+14:00", 2),
    _cursor("-created_at", "9999-12-31T23:59:59-14:00", 2),
    _cursor("-created_at", "2026-01-01", 2), _cursor("-created_at", "2026-01-01T00:00:00", 2),
    _cursor("priority", 2**40, 2), _cursor("priority", True, 2), _cursor("priority", 2.5, 2),
    _cursor("-created_at", "2026-01-01T00:00:00+00:00\u0000", 2),
)  # fmt: skip

# Headers sent beside a valid request.
ODD_HEADERS: Final[tuple[tuple[bytes, bytes], ...]] = (
    (b"content-type", b"application/json; charset=utf-16"),
    (b"content-type", b"application/json\x00"),
    (b"content-type", b"text/plain"),
    (b"content-type", b"application/x-www-form-urlencoded"),
    (b"content-type", b"multipart/form-data; boundary="),
    (b"x-request-id", b"\xff\xfe"),
    (b"x-request-id", b"a" * 5000),
    (b"idempotency-key", b"\x00"),
    (b"idempotency-key", "\u2028".encode()),
    (b"accept", b"*/*;q=bogus"),
    (b"accept-encoding", b"gzip;q=2, \xff"),
    (b"if-none-match", b"\xb2\x00garbage"),
    (b"if-match", b"\xb2"),
    (b"last-event-id", b"\xd9\xa3"),
    (b"authorization", b"Bearer \x00"),
    (b"authorization", b"Bearer " + "\u00e9".encode() * 40),
    (b"content-length", b"-1"),
    (b"transfer-encoding", b"chunked, gzip"),
    (b"origin", b"null"),
    (b"host", b"\xff"),
)  # fmt: skip


def catalogue_size() -> int:
    """How many distinct hostile inputs the test sends (SPEC §10 asks for at least 150)."""
    values = {repr(v) for v in (*TEXTS, *NUMBERS, *JSON_VALUES, *RAW_BODIES)}
    values |= {repr(v) for v in (*RAW_ENCODED, *ETAGS, *CURSORS, *ODD_HEADERS)}
    return len(values)


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def encode(value: str) -> str:
    return quote(value, safe="")


def json_body(value: Any) -> bytes:
    """JSON with every non-ASCII character escaped, so lone surrogates can be sent too."""
    return json.dumps(value, ensure_ascii=True).encode()


async def call(
    app: ASGIApp,
    method: str,
    target: str,
    *,
    headers: list[tuple[bytes, bytes]],
    body: bytes = b"",
) -> Answer:
    """One request straight into the app. ``target`` is already percent-encoded. After the
    body the client reads as gone."""
    raw_path, _, query = target.partition("?")
    scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.4"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": unquote(raw_path),
        "raw_path": raw_path.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": [(b"host", b"tessera.test"), *headers],
        "client": ("127.0.0.1", 50000),
        "server": ("tessera.test", 80),
        "state": {},
    }
    # A GET has no body to read: the client reads as gone from the start, so that a stream
    # that opens ends at its first look.
    sent = method == "GET" and not body
    status = 0
    answer_headers: dict[str, str] = {}
    chunks: list[bytes] = []

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
            for name, value in message.get("headers", []):
                answer_headers[name.decode("latin-1").lower()] = value.decode("latin-1")
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await asyncio.wait_for(app(scope, receive, send), timeout=30)
    return Answer(status=status, headers=answer_headers, body=b"".join(chunks))
