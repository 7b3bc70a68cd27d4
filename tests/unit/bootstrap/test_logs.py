"""The direct JSON access line: the same line the logging chain writes, at a fraction of its
cost, and silent when the access logger is off."""

from __future__ import annotations

import io
import json
import logging
import re

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
