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
    # Each retry waits 3/4 to all of retry_seconds * 4**(n-1), at most retry_cap_seconds: with
    # the defaults the 10th attempt comes 26 to 35 h after the first (SPEC §12: >= 24 h),
    # then the delivery is dead and the webhook disabled.
    max_attempts: int = Field(default=10, ge=1, le=50)
    retry_seconds: float = Field(default=30.0, gt=0, le=3600)
    retry_cap_seconds: float = Field(default=8 * 3600.0, gt=0, le=48 * 3600)
    concurrency: int = Field(default=32, ge=1, le=1000)
    per_target: int = Field(default=4, ge=1, le=100)
