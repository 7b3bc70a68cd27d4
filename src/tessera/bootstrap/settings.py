"""Settings from ``TESSERA_*`` environment variables (and a ``.env`` file), read once here."""

from __future__ import annotations

from enum import StrEnum
from functools import lru_cache

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from tessera.domain.tickets.values import Priority


class Environment(StrEnum):
    DEVELOPMENT = "development"
    TEST = "test"
    STAGING = "staging"
    PRODUCTION = "production"


def _config(prefix: str) -> SettingsConfigDict:
    return SettingsConfigDict(env_prefix=prefix, env_file=".env", extra="ignore")


class DatabaseSettings(BaseSettings):
    model_config = _config("TESSERA_DATABASE_")

    url: str = Field(
        default="sqlite+aiosqlite:///./tessera.db",
        description="postgresql://... or sqlite:///path; drivers are added when left out",
    )
    pool_size: int = Field(default=10, ge=1, le=200)
    echo: bool = False

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


class HttpSettings(BaseSettings):
    model_config = _config("TESSERA_HTTP_")

    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    max_body_bytes: int = Field(default=1024 * 1024, ge=1024)


class SlaSettings(BaseSettings):
    """Targets in minutes per priority: ``TESSERA_SLA_TARGETS='{"high": [240, 1440]}'``."""

    model_config = _config("TESSERA_SLA_")

    targets: dict[Priority, tuple[int, int]] = Field(default_factory=dict)


class EventSettings(BaseSettings):
    """The outbox relay and the worker (``TESSERA_EVENTS_*``)."""

    model_config = _config("TESSERA_EVENTS_")

    relay_batch: int = Field(default=500, ge=1, le=10_000)
    relay_poll_seconds: float = Field(default=0.5, gt=0, le=60)
    # A failed publish is tried again after this, doubling each time up to 30 s.
    relay_retry_seconds: float = Field(default=0.5, gt=0, le=30)
    shutdown_grace_seconds: float = Field(default=10.0, ge=0, le=600)


class Settings(BaseSettings):
    model_config = _config("TESSERA_")

    env: Environment = Environment.DEVELOPMENT
    log_level: str = "INFO"
    bootstrap_admin_token: SecretStr | None = None
    # Optional services (SPEC §2): unset means the embedded fallback; set but unreachable
    # is an error, never a silent fallback.
    redis_url: str | None = Field(default=None, description="redis://host:6379/0")
    broker_url: str | None = Field(default=None, description="redis://... or nats://...")
    database: DatabaseSettings = Field(default_factory=DatabaseSettings)
    http: HttpSettings = Field(default_factory=HttpSettings)
    sla: SlaSettings = Field(default_factory=SlaSettings)
    events: EventSettings = Field(default_factory=EventSettings)

    @property
    def migrates_on_start(self) -> bool:
        return self.env is Environment.DEVELOPMENT


@lru_cache(maxsize=1)
def load_settings() -> Settings:
    return Settings()
