"""The database (``TESSERA_DATABASE_*``)."""

from __future__ import annotations

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings

from tessera.bootstrap.settings.base import settings_config


class DatabaseSettings(BaseSettings):
    model_config = settings_config("TESSERA_DATABASE_")

    url: str = Field(
        default="sqlite+aiosqlite:///./tessera.db",
        description="postgresql://... or sqlite:///path; drivers are added when left out",
    )
    pool_size: int = Field(default=10, ge=1, le=200)
    echo: bool = False
    # How often a server started before `tessera db upgrade` looks whether the schema is at
    # head yet (SPEC §11: it becomes ready by itself).
    schema_poll_seconds: float = Field(default=2.0, gt=0, le=300)

    @field_validator("url")
    @classmethod
    def _with_async_driver(cls, url: str) -> str:
        for plain, driver in (
            ("postgresql://", "postgresql+asyncpg://"),
            ("postgres://", "postgresql+asyncpg://"),
            ("sqlite://", "sqlite+aiosqlite://"),
        ):
            if url.startswith(plain):
                return driver + url.removeprefix(plain)
        return url
