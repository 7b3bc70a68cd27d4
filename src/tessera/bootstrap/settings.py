"""Settings from ``TESSERA_*`` environment variables (and a ``.env`` file), read once here."""

from __future__ import annotations

import math
from datetime import date, time
from enum import StrEnum
from functools import lru_cache
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict, SettingsError

from tessera.bootstrap.settings_errors import InvalidSettingsError, settings_problems
from tessera.domain.tickets.values import Priority
from tessera.infrastructure.email.identity import (
    MailIdentity,
    address_parts,
    check_taggable,
    domain_name,
)


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


class HttpSettings(BaseSettings):
    model_config = _config("TESSERA_HTTP_")

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


class RateLimitSettings(BaseSettings):
    """Token buckets per token (``TESSERA_RATE_LIMIT_*``), shared through Redis when set."""

    model_config = _config("TESSERA_RATE_LIMIT_")

    enabled: bool = True
    reads_per_minute: int = Field(default=1200, ge=1)
    writes_per_minute: int = Field(default=300, ge=1)
    anonymous_per_minute: int = Field(default=60, ge=1)


class BusinessHoursSettings(BaseModel):
    """``TESSERA_SLA_BUSINESS_HOURS='{"timezone": "Europe/Berlin", "workdays": [1,2,3,4,5],
    "opens": "09:00", "closes": "17:00", "holidays": ["2026-12-25"]}'``"""

    model_config = ConfigDict(extra="forbid")

    timezone: str = "UTC"
    workdays: list[Annotated[int, Field(ge=1, le=7)]] = Field(
        default_factory=lambda: [1, 2, 3, 4, 5], min_length=1
    )
    opens: time = time(9, 0)
    closes: time = time(17, 0)
    holidays: list[date] = Field(default_factory=list)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}") from None
        return value

    @model_validator(mode="after")
    def _opens_before_closing(self) -> BusinessHoursSettings:
        if self.opens >= self.closes:
            raise ValueError("opens must be before closes")
        return self


class SlaSettings(BaseSettings):
    """Targets in minutes per priority: ``TESSERA_SLA_TARGETS='{"high": [240, 1440]}'``.
    Without business hours every hour counts."""

    model_config = _config("TESSERA_SLA_")

    targets: dict[Priority, tuple[int, int]] = Field(default_factory=dict)
    business_hours: BusinessHoursSettings | None = None
    at_risk_minutes: int = Field(default=60, ge=1, le=60 * 24 * 30)
    # How often the SLA job looks for breaches (in the worker, or in serve when embedded).
    check_seconds: float = Field(default=30.0, gt=0, le=3600)


class TracesExporter(StrEnum):
    NONE = "none"
    CONSOLE = "console"
    OTLP = "otlp"


class TelemetrySettings(BaseSettings):
    """Traces (``TESSERA_TELEMETRY_*``). With ``otlp`` the standard ``OTEL_EXPORTER_OTLP_*``
    variables apply, or ``TESSERA_TELEMETRY_OTLP_ENDPOINT`` (``http://collector:4318/v1/traces``)."""

    model_config = _config("TESSERA_TELEMETRY_")

    exporter: TracesExporter = TracesExporter.NONE
    otlp_endpoint: str | None = None
    service_name: str = "tessera"


class CacheSettings(BaseSettings):
    """The ticket cache (``TESSERA_CACHE_*``): L1 in process, L2 in Redis when configured."""

    model_config = _config("TESSERA_CACHE_")

    l1_size: int = Field(default=10_000, ge=1, le=10_000_000)
    l1_ttl_seconds: float = Field(default=300.0, gt=0)
    l2_ttl_seconds: int = Field(default=900, ge=1)
    token_ttl_seconds: float = Field(default=30.0, gt=0, le=3600)


class WebhookSettings(BaseSettings):
    """Webhook delivery (``TESSERA_WEBHOOKS_*``)."""

    model_config = _config("TESSERA_WEBHOOKS_")

    # Private, loopback and link-local targets are refused unless this is set (local tests).
    allow_private_targets: bool = False
    timeout_seconds: float = Field(default=10.0, gt=0, le=120)
    max_attempts: int = Field(default=8, ge=1, le=50)
    retry_seconds: float = Field(default=10.0, gt=0, le=3600)
    concurrency: int = Field(default=32, ge=1, le=1000)
    per_target: int = Field(default=4, ge=1, le=100)


class MailTls(StrEnum):
    NONE = "none"
    STARTTLS = "starttls"
    TLS = "tls"


class MailSettings(BaseSettings):
    """E-mail notifications (``TESSERA_MAIL_*``); off while ``smtp_url`` is unset."""

    model_config = _config("TESSERA_MAIL_")

    smtp_url: str | None = Field(default=None, description="smtp://user:password@host:587")
    tls: MailTls = MailTls.STARTTLS
    sender: str = "Tessera Support <support@localhost>"
    # The domain of every Message-ID (and of the reply address); unset: the sender's domain.
    domain: str | None = Field(default=None, max_length=253, validate_default=True)
    # Replies go to this address with a per-ticket plus tag (support+<token>@domain), so
    # they can be routed back to their ticket; unset: the sender's local part at ``domain``.
    reply_to: str | None = Field(default=None, max_length=200, validate_default=True)
    team: str = "Support"
    timeout_seconds: float = Field(default=10.0, gt=0, le=120)
    max_attempts: int = Field(default=10, ge=1, le=50)
    retry_seconds: float = Field(default=30.0, gt=0, le=3600)
    # The inbound channel (SPEC §15): the LMTP intake listens while ``lmtp_port`` is set (in
    # `tessera worker`, and in `serve` when no broker is configured); IMAP mailboxes are
    # configured through /v1/mailboxes.
    lmtp_host: str = Field(default="127.0.0.1", min_length=1, max_length=253)
    lmtp_port: int | None = Field(default=None, ge=0, le=65535)
    body_limit_kib: int = Field(default=256, ge=1, le=16 * 1024)  # decoded text of one mail
    imap_poll_seconds: float = Field(default=60.0, gt=0, le=3600)  # also renews IDLE
    intake_refresh_seconds: float = Field(default=10.0, gt=0, le=3600)

    # Each check names its own variable; a default derived from the sender is checked too.
    @field_validator("sender")
    @classmethod
    def _one_address(cls, value: str) -> str:
        address_parts(value)
        return value

    @field_validator("domain")
    @classmethod
    def _a_domain_name(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is not None:
            return domain_name(value)
        if "sender" in info.data:
            try:
                domain_name(address_parts(info.data["sender"])[1])
            except ValueError:
                raise ValueError("unset, and the sender's domain cannot be used: set it") from None
        return value

    @field_validator("reply_to")
    @classmethod
    def _taggable(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is not None:
            local, domain = address_parts(value)
            domain_name(domain)
            check_taggable(local)
        elif "sender" in info.data:
            try:
                check_taggable(address_parts(info.data["sender"])[0])
            except ValueError:
                raise ValueError(
                    "unset, and the sender's local part cannot take a plus tag: set it"
                ) from None
        return value

    def identity(self) -> MailIdentity:
        return MailIdentity.configure(
            sender=self.sender, domain=self.domain, reply_to=self.reply_to
        )


class EventSettings(BaseSettings):
    """The outbox relay and the worker (``TESSERA_EVENTS_*``)."""

    model_config = _config("TESSERA_EVENTS_")

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


class Settings(BaseSettings):
    model_config = _config("TESSERA_")

    env: Environment = Environment.DEVELOPMENT
    log_level: str = "INFO"
    bootstrap_admin_token: SecretStr | None = None
    # Prefixes every Redis key and channel, broker stream, subject and consumer name, so that
    # two deployments can share one Redis or one broker (SPEC §11).
    namespace: str = Field(default="tessera", pattern=r"^[a-z][a-z0-9_-]{0,39}$")
    # Optional services (SPEC §2): unset means the embedded fallback; set but unreachable
    # is an error, never a silent fallback.
    redis_url: str | None = Field(default=None, description="redis://host:6379/0")
    broker_url: str | None = Field(default=None, description="redis://... or nats://...")
    database: DatabaseSettings = Field(default_factory=DatabaseSettings)
    http: HttpSettings = Field(default_factory=HttpSettings)
    sla: SlaSettings = Field(default_factory=SlaSettings)
    events: EventSettings = Field(default_factory=EventSettings)
    cache: CacheSettings = Field(default_factory=CacheSettings)
    rate_limit: RateLimitSettings = Field(default_factory=RateLimitSettings)
    telemetry: TelemetrySettings = Field(default_factory=TelemetrySettings)
    webhooks: WebhookSettings = Field(default_factory=WebhookSettings)
    mail: MailSettings = Field(default_factory=MailSettings)

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
    def migrates_on_start(self) -> bool:
        return self.env is Environment.DEVELOPMENT


# A secret the operator supplies (TESSERA_BOOTSTRAP_ADMIN_TOKEN) must be at least this long
# and, estimated as length x log2(distinct characters), carry at least this many bits: 32
# random hex digits pass (about 120 bits), `admin` or a word repeated to length do not.
SECRET_MIN_LENGTH = 32
SECRET_MIN_BITS = 100


def strong_secret(secret: str) -> bool:
    distinct = len(set(secret))
    return len(secret) >= SECRET_MIN_LENGTH and len(secret) * math.log2(distinct) >= SECRET_MIN_BITS


@lru_cache(maxsize=1)
def load_settings() -> Settings:
    """Raises InvalidSettingsError, with one line per problem naming its variable."""
    try:
        return Settings()
    except (ValidationError, SettingsError) as error:
        problems = settings_problems(Settings) or [f"TESSERA_*: {type(error).__name__}"]
        raise InvalidSettingsError(problems) from None
