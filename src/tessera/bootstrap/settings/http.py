"""The HTTP server (``TESSERA_HTTP_*``)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings

from tessera.bootstrap.settings.base import settings_config


class HttpSettings(BaseSettings):
    model_config = settings_config("TESSERA_HTTP_")

    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    max_body_bytes: int = Field(default=1024 * 1024, ge=1024)
    # Mounts GET /bench/bare (constant JSON, no auth): the benchmark's framework ceiling.
    benchmark_routes: bool = False
    # Browser origins allowed by CORS; none (CORS off) unless listed.
    cors_origins: list[str] = Field(default_factory=list)
    # How long the first answer to a POST with an Idempotency-Key is kept for its retries.
    idempotency_hours: float = Field(default=24.0, gt=0, le=24 * 30)
    # A request in flight holds its Idempotency-Key this long; a retry after that runs it
    # (its server died mid-request). Longer than the slowest request.
    idempotency_lease_seconds: float = Field(default=30.0, gt=0, le=3600)
    # On SIGTERM, requests in flight get this long to finish.
    graceful_shutdown_seconds: float = Field(default=30.0, ge=0, le=600)
