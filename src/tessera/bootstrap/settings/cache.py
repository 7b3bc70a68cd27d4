"""The ticket cache (``TESSERA_CACHE_*``)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings

from tessera.bootstrap.settings.base import settings_config


class CacheSettings(BaseSettings):
    """The ticket cache (``TESSERA_CACHE_*``): L1 in process, L2 in Redis when configured."""

    model_config = settings_config("TESSERA_CACHE_")

    l1_size: int = Field(default=10_000, ge=1, le=10_000_000)
    l1_ttl_seconds: float = Field(default=300.0, gt=0)
    l2_ttl_seconds: int = Field(default=900, ge=1)
    token_ttl_seconds: float = Field(default=30.0, gt=0, le=3600)
