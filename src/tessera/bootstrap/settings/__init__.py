"""Settings from ``TESSERA_*`` environment variables (and a ``.env`` file), read once here.

One module per capability holds its group (``TESSERA_<GROUP>_*``); ``Settings`` composes them
with the top-level variables."""

from __future__ import annotations

from enum import StrEnum
from functools import lru_cache

from pydantic import Field, SecretStr, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsError

from tessera.application.events.cloudevents import source_for
from tessera.bootstrap.settings.base import settings_config
from tessera.bootstrap.settings.cache import CacheSettings
from tessera.bootstrap.settings.database import DatabaseSettings
from tessera.bootstrap.settings.errors import InvalidSettingsError, settings_problems
from tessera.bootstrap.settings.events import EventSettings
from tessera.bootstrap.settings.http import HttpSettings
from tessera.bootstrap.settings.live import LiveSettings
from tessera.bootstrap.settings.mail import MailSettings, MailTls
from tessera.bootstrap.settings.rate_limit import RateLimitSettings
from tessera.bootstrap.settings.secret_strength import (
    SECRET_MIN_BITS,
    SECRET_MIN_LENGTH,
    strong_secret,
)
from tessera.bootstrap.settings.sla import BusinessHoursSettings, SlaSettings
from tessera.bootstrap.settings.storage import StorageSettings
from tessera.bootstrap.settings.telemetry import TelemetrySettings, TracesExporter
from tessera.bootstrap.settings.web import WebSettings
from tessera.bootstrap.settings.webhooks import WebhookSettings

__all__ = [
    "AgentScope",
    "BusinessHoursSettings",
    "CacheSettings",
    "DatabaseSettings",
    "Environment",
    "EventSettings",
    "HttpSettings",
    "InvalidSettingsError",
    "LiveSettings",
    "MailSettings",
    "MailTls",
    "RateLimitSettings",
    "Settings",
    "SlaSettings",
    "StorageSettings",
    "TelemetrySettings",
    "TracesExporter",
    "WebSettings",
    "WebhookSettings",
    "load_settings",
]


class Environment(StrEnum):
    DEVELOPMENT = "development"
    TEST = "test"
    STAGING = "staging"
    PRODUCTION = "production"


class AgentScope(StrEnum):
    ALL = "all"
    GROUPS = "groups"  # an agent sees their groups' tickets and those assigned to them


class Settings(BaseSettings):
    model_config = settings_config("TESSERA_")

    env: Environment = Environment.DEVELOPMENT
    log_level: str = "INFO"
    bootstrap_admin_token: SecretStr | None = None
    agent_scope: AgentScope = AgentScope.ALL
    # Prefixes every Redis key and channel, broker stream, subject and consumer name, so that
    # two deployments can share one Redis or one broker (SPEC §11).
    namespace: str = Field(default="tessera", pattern=r"^[a-z][a-z0-9_-]{0,39}$")
    # The CloudEvents ``source`` of every event (SPEC §12: it names the deployment), a URI
    # reference; ``/<namespace>`` when unset.
    event_source: str | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        pattern=r"^[\x21-\x7e]+$",
        description="e.g. https://support.example.com or urn:example:tessera:eu",
    )
    # Optional services (SPEC §2): unset means the embedded fallback; set but unreachable
    # is an error, never a silent fallback.
    redis_url: str | None = Field(default=None, description="redis://host:6379/0")
    broker_url: str | None = Field(default=None, description="redis://... or nats://...")
    database: DatabaseSettings = Field(default_factory=DatabaseSettings)
    http: HttpSettings = Field(default_factory=HttpSettings)
    sla: SlaSettings = Field(default_factory=SlaSettings)
    events: EventSettings = Field(default_factory=EventSettings)
    cache: CacheSettings = Field(default_factory=CacheSettings)
    live: LiveSettings = Field(default_factory=LiveSettings)
    rate_limit: RateLimitSettings = Field(default_factory=RateLimitSettings)
    telemetry: TelemetrySettings = Field(default_factory=TelemetrySettings)
    webhooks: WebhookSettings = Field(default_factory=WebhookSettings)
    mail: MailSettings = Field(default_factory=MailSettings)
    storage: StorageSettings = Field(default_factory=StorageSettings)
    web: WebSettings = Field(default_factory=WebSettings)

    @field_validator("bootstrap_admin_token")
    @classmethod
    def _strong_outside_development(
        cls, token: SecretStr | None, info: ValidationInfo
    ) -> SecretStr | None:
        if token is None or info.data.get("env", Environment.DEVELOPMENT) is (
            Environment.DEVELOPMENT
        ):
            return token
        if not strong_secret(token.get_secret_value()):
            raise ValueError(
                f"too weak outside development: use at least {SECRET_MIN_LENGTH} characters "
                f"and about {SECRET_MIN_BITS} bits of entropy, e.g. `openssl rand -hex 32`"
            )
        return token

    @property
    def cloud_event_source(self) -> str:
        return self.event_source or source_for(self.namespace)

    @property
    def secure_cookies(self) -> bool:
        """Cookies only over HTTPS, except where a developer or a test serves plain HTTP."""
        return self.env not in (Environment.DEVELOPMENT, Environment.TEST)

    @property
    def migrates_on_start(self) -> bool:
        return self.env is Environment.DEVELOPMENT


@lru_cache(maxsize=1)
def load_settings() -> Settings:
    """Raises InvalidSettingsError, with one line per problem naming its variable."""
    try:
        return Settings()
    except (ValidationError, SettingsError) as error:
        problems = settings_problems(Settings) or [f"TESSERA_*: {type(error).__name__}"]
        raise InvalidSettingsError(problems) from None
