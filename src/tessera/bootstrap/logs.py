"""Logging: structlog for everything (stdlib loggers included), JSON in staging and
production, readable console lines in development; trace ids on every line, secrets on none.
"""

from __future__ import annotations

import asyncio
import logging
import re
import sys
from datetime import UTC, datetime
from typing import Any, BinaryIO, TextIO

import orjson
import structlog
from structlog.typing import EventDict, Processor

from tessera.bootstrap.settings import Environment, Settings
from tessera.infrastructure.telemetry.tracing import current_trace_id

# Never written, whatever a caller passes: credentials and message bodies.
REDACTED_KEYS = frozenset(
    {"authorization", "token", "secret", "password", "body", "text_body", "html_body", "cookie"}
)


def _add_trace_id(_logger: Any, _name: str, event: EventDict) -> EventDict:
    if "trace_id" not in event:
        trace_id = current_trace_id()
        if trace_id is not None:
            event["trace_id"] = trace_id
    return event


def _redact(_logger: Any, _name: str, event: EventDict) -> EventDict:
    for key in list(event):
        if key.lower() in REDACTED_KEYS:
            event[key] = "[redacted]"
    return event


def _drop_color_message(_logger: Any, _name: str, event: EventDict) -> EventDict:
    # Uvicorn passes a copy of each message with terminal colour codes as an extra field.
    event.pop("color_message", None)
    return event


# Secrets that can hide inside free text (an exception message, a traceback, a URL).
_SECRET_TEXT = re.compile(
    r"(?P<token>tsr_[A-Za-z0-9_\-]+)"
    r"|(?P<bearer>(?i:bearer)\s+)\S+"
    r"|(?P<url>://[^/\s:@]+:)[^@\s]+@"
)


def _scrub_text(text: str) -> str:
    def replace(match: re.Match[str]) -> str:
        if match.group("token"):
            return "[redacted]"
        if match.group("bearer"):
            return f"{match.group('bearer')}[redacted]"
        return f"{match.group('url')}[redacted]@"

    return _SECRET_TEXT.sub(replace, text)


def _scrub(_logger: Any, _name: str, event: EventDict) -> EventDict:
    """Last, after tracebacks became text: no token, bearer value or URL password leaves."""
    for key, value in event.items():
        if isinstance(value, str):
            event[key] = _scrub_text(value)
    return event


# How long an access line may wait in the buffer for others to go out with it.
ACCESS_FLUSH_SECONDS = 0.05


class JsonAccessLog:
    """The access line written straight as one JSON line, with the fields the logging chain
    would give it (``event``, ``level``, ``logger``, ``timestamp``) but without the chain, a
    tenth of its cost. Its fields are fixed and can hold no secret: a sane request id, a
    route template, a status, ids and a role.

    Inside an event loop the lines go to the stream's byte buffer, under its text layer, and
    out at most ``flush_seconds`` after the first of them (or sooner, when the buffer is
    full): at thousands of requests a second, one write per buffer rather than one per
    request or two. Every other log record is a whole line that the text layer hands on to
    the same buffer and flushes at once (stderr is line-buffered), taking the access lines
    before it along, so lines keep their order; the buffer is flushed at exit."""

    def __init__(self, stream: TextIO, *, flush_seconds: float = ACCESS_FLUSH_SECONDS) -> None:
        self._stream = stream
        self._bytes: BinaryIO | None = getattr(stream, "buffer", None)
        self._logger = logging.getLogger("tessera.access")
        self._flush_seconds = flush_seconds
        self._flush_due = False

    def __call__(self, fields: dict[str, Any]) -> None:
        if not self._logger.isEnabledFor(logging.INFO):
            return
        now = datetime.now(UTC).isoformat().replace("+00:00", "Z")
        line = {"event": "request", **fields, "level": "info", "logger": "tessera.access"}
        line["timestamp"] = now
        encoded = orjson.dumps(line, option=orjson.OPT_APPEND_NEWLINE)
        if self._bytes is None:
            self._stream.write(encoded.decode())
            self._stream.flush()
            return
        self._bytes.write(encoded)
        if self._flush_due:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self._bytes.flush()
            return
        self._flush_due = True
        loop.call_later(self._flush_seconds, self._flush)

    def _flush(self) -> None:
        self._flush_due = False
        if self._bytes is not None:
            self._bytes.flush()


def json_logs(settings: Settings) -> bool:
    """Staging and production write JSON only (SPEC §11); development reads like a console."""
    return settings.env in (Environment.STAGING, Environment.PRODUCTION)


def configure_logging(settings: Settings, *, json: bool | None = None) -> None:
    as_json = json if json is not None else json_logs(settings)
    shared: list[Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.stdlib.ExtraAdder(),
        _drop_color_message,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        _add_trace_id,
        _redact,
    ]
    renderer: Processor = (
        structlog.processors.JSONRenderer()
        if as_json
        else structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty())
    )
    structlog.configure(
        # Filter first: a line below the level costs one comparison, not the whole chain.
        processors=[
            structlog.stdlib.filter_by_level,
            *shared,
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            _scrub,
            renderer,
        ],
    )
    handler = logging.StreamHandler()
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(settings.log_level.upper())
    # Alembic announces its dialect on every schema probe (each /readyz): keep that quiet.
    logging.getLogger("alembic").setLevel(logging.WARNING)
    # Uvicorn's loggers write through the one handler above (JSON in staging and production),
    # whatever handlers uvicorn's own logging configuration gave them.
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        uvicorn_logger = logging.getLogger(name)
        uvicorn_logger.handlers.clear()
        uvicorn_logger.propagate = True
    logging.getLogger("uvicorn.access").disabled = True  # Tessera writes its own access line
