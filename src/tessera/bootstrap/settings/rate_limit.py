"""Rate limits (``TESSERA_RATE_LIMIT_*``)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings

from tessera.bootstrap.settings.base import settings_config


class RateLimitSettings(BaseSettings):
    """Token buckets per token (``TESSERA_RATE_LIMIT_*``), shared through Redis when set."""

    model_config = settings_config("TESSERA_RATE_LIMIT_")

    enabled: bool = True
    reads_per_minute: int = Field(default=1200, ge=1)
    writes_per_minute: int = Field(default=300, ge=1)
    anonymous_per_minute: int = Field(default=60, ge=1)
