"""The direct JSON access line: the same line the logging chain writes, at a fraction of its
cost, and silent when the access logger is off."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import re
from collections.abc import Iterator
from typing import Any

import pytest
import structlog

from tessera.bootstrap.logs import JsonAccessLog, configure_logging
from tessera.bootstrap.settings import Environment, Settings
from tessera.presentation.http.middleware.telemetry import structlog_access

FIELDS = {
    "request_id": "req-1",
    "trace_id": None,
    "method": "GET",
    "route": "/v1/tickets/{ticket_id}",
    "status": 200,
    "duration_ms": 1.25,
    "principal_id": 7,
    "role": "agent",
}


def test_the_direct_line_is_the_line_the_logging_chain_writes(
    capsys: pytest.CaptureFixture[str],
) -> None:
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    configure_logging(Settings(env=Environment.PRODUCTION))  # at INFO
    stream = io.StringIO()
    try:
        structlog_access(dict(FIELDS))
        JsonAccessLog(stream)(dict(FIELDS))
    finally:
        root.handlers[:], level = saved
        root.setLevel(level)
        structlog.reset_defaults()
    [chained] = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    [direct] = [json.loads(line) for line in stream.getvalue().splitlines()]

    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", direct["timestamp"])
    assert {**direct, "timestamp": None} == {**chained, "timestamp": None}
    assert direct["event"] == "request" and direct["logger"] == "tessera.access"


def test_no_line_when_the_access_logger_is_above_info() -> None:
    stream = io.StringIO()
    access = logging.getLogger("tessera.access")
    saved = access.level
    access.setLevel(logging.WARNING)
    try:
        JsonAccessLog(stream)(dict(FIELDS))
    finally:
        access.setLevel(saved)
    assert stream.getvalue() == ""


class _Writes(io.BytesIO):
    """A byte stream that counts the writes that reach it."""

    def __init__(self) -> None:
        super().__init__()
        self.writes = 0

    def write(self, data: Any) -> int:
        self.writes += 1
        return super().write(data)


def _stderr_like() -> tuple[io.TextIOWrapper, _Writes]:
    raw = _Writes()
    return io.TextIOWrapper(io.BufferedWriter(raw), line_buffering=True), raw


@pytest.fixture(autouse=True)
def _access_at_info() -> Iterator[None]:
    access = logging.getLogger("tessera.access")
    saved = access.level
    access.setLevel(logging.INFO)
    yield
    access.setLevel(saved)


async def test_the_lines_of_a_short_while_go_out_in_one_write_within_it() -> None:
    text, raw = _stderr_like()
    access = JsonAccessLog(text, flush_seconds=0.05)
    for n in range(5):
        access({**FIELDS, "request_id": f"req-{n}"})
        await asyncio.sleep(0)  # a turn of the loop between two requests
    assert raw.writes == 0  # held for the first line's 50 ms
    await asyncio.sleep(0.1)
    assert raw.writes == 1
    lines = [json.loads(line) for line in raw.getvalue().splitlines()]
    assert [line["request_id"] for line in lines] == [f"req-{n}" for n in range(5)]
    access({**FIELDS, "request_id": "later"})  # and the next line starts another wait
    await asyncio.sleep(0.1)
    assert raw.writes == 2
    assert json.loads(raw.getvalue().splitlines()[-1])["request_id"] == "later"


async def test_another_record_between_access_lines_keeps_its_place() -> None:
    text, raw = _stderr_like()
    access = JsonAccessLog(text)
    access({**FIELDS, "request_id": "before"})
    text.write('{"event": "other"}\n')  # what the logging handler writes, and it flushes
    access({**FIELDS, "request_id": "after"})
    await asyncio.sleep(0.1)
    events = [json.loads(line).get("request_id", "other") for line in raw.getvalue().splitlines()]
    assert events == ["before", "other", "after"]


def test_outside_an_event_loop_each_line_is_written_at_once() -> None:
    text, raw = _stderr_like()
    JsonAccessLog(text)(dict(FIELDS))
    assert raw.writes == 1
    assert json.loads(raw.getvalue())["request_id"] == "req-1"
