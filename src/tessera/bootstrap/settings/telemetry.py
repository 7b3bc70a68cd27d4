"""Traces (``TESSERA_TELEMETRY_*``)."""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field
from pydantic_settings import BaseSettings

from tessera.bootstrap.settings.base import settings_config


class TracesExporter(StrEnum):
    NONE = "none"
    CONSOLE = "console"
    OTLP = "otlp"


class TelemetrySettings(BaseSettings):
    """Traces (``TESSERA_TELEMETRY_*``). With ``otlp`` the standard ``OTEL_EXPORTER_OTLP_*``
    variables apply, or ``TESSERA_TELEMETRY_OTLP_ENDPOINT`` (``http://collector:4318/v1/traces``)."""

    model_config = settings_config("TESSERA_TELEMETRY_")

    exporter: TracesExporter = TracesExporter.NONE
    otlp_endpoint: str | None = None
    service_name: str = "tessera"
    # The share of requests and messages that start a trace (children follow their parent).
    sample_ratio: float = Field(default=1.0, ge=0.0, le=1.0)
