"""The outbox relay and the worker (``TESSERA_EVENTS_*``)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings

from tessera.bootstrap.settings.base import settings_config


class EventSettings(BaseSettings):
    """The outbox relay and the worker (``TESSERA_EVENTS_*``)."""

    model_config = settings_config("TESSERA_EVENTS_")

    relay_batch: int = Field(default=500, ge=1, le=10_000)
    relay_poll_seconds: float = Field(default=0.5, gt=0, le=60)
    # A failed publish is tried again after this, doubling each time up to 30 s.
    relay_retry_seconds: float = Field(default=0.5, gt=0, le=30)
    shutdown_grace_seconds: float = Field(default=10.0, ge=0, le=600)
    # Consumer deduplication records are kept this long (longer than any redelivery can
    # take), then swept, with expired idempotency keys, every ``sweep_seconds``.
    processed_retention_hours: float = Field(default=168.0, gt=0, le=24 * 365)
    sweep_seconds: float = Field(default=3600.0, gt=0, le=24 * 3600)
    # A consumer that failed on an event this many times gives up on it: a dead letter.
    max_deliveries: int = Field(default=5, ge=1, le=1000)
