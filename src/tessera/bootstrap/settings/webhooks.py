"""Webhook delivery (``TESSERA_WEBHOOKS_*``)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings

from tessera.bootstrap.settings.base import settings_config


class WebhookSettings(BaseSettings):
    """Webhook delivery (``TESSERA_WEBHOOKS_*``)."""

    model_config = settings_config("TESSERA_WEBHOOKS_")

    # Private, loopback and link-local targets are refused unless this is set (local tests).
    allow_private_targets: bool = False
    timeout_seconds: float = Field(default=10.0, gt=0, le=120)
    max_attempts: int = Field(default=8, ge=1, le=50)
    retry_seconds: float = Field(default=10.0, gt=0, le=3600)
    concurrency: int = Field(default=32, ge=1, le=1000)
    per_target: int = Field(default=4, ge=1, le=100)
